import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

/** A JSON response. Bodies never echo a token or a request body back (both are hostile input). */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * A refusal with its stable reason code (docs/contract.md): 401 for the token's own faults (the contract's
 * verify reasons), 403 for a valid token that may not do this (missing_scope, forbidden_account), 400/413 for a
 * request body that is not a valid message.
 */
export function refuse(
  statusCode: number,
  reason: string,
  detail: string,
  extra: Record<string, unknown> = {},
) {
  const headers: Record<string, string> =
    statusCode === 401
      ? { "www-authenticate": `Bearer error="invalid_token", error_description="${reason}"` }
      : {};
  return json(statusCode, { error: reason, detail, ...extra }, headers);
}
