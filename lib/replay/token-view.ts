/**
 * The protected header and claims of a token, decoded WITHOUT verification, for an operator to read
 * (kjp inspect). Never a basis for a decision: the verifier decides.
 */
export interface TokenView {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  problem?: string;
}

function part(text: string): Record<string, unknown> | undefined {
  const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function viewToken(token: string): TokenView {
  const parts = token.trim().split(".");
  if (parts.length !== 3) return { problem: `not a JWS compact serialization (${parts.length} parts)` };
  const view: TokenView = {};
  try {
    const header = part(parts[0]!);
    if (header) view.header = header;
  } catch {
    view.problem = "the header is not base64url JSON";
  }
  try {
    const claims = part(parts[1]!);
    if (claims) view.claims = claims;
  } catch {
    view.problem = `${view.problem ? `${view.problem}; ` : ""}the payload is not base64url JSON`;
  }
  return view;
}
