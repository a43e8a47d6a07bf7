import { ACCESS_MAX_TOKEN_BYTES } from "../envelope/access-limits.js";

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is case-insensitive).
 * Tokens in query strings are never read: they end up in access logs and browser history.
 */
export function bearerToken(headers: Record<string, string | undefined> | undefined): string | undefined {
  if (!headers) return undefined;
  const value = Object.entries(headers).find(([k]) => k.toLowerCase() === "authorization")?.[1];
  if (typeof value !== "string" || value.length > ACCESS_MAX_TOKEN_BYTES + 16) return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+)\s*$/i.exec(value);
  return match?.[1];
}
