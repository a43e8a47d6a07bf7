import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Who may talk to the console: whoever holds the access token printed at start (in the URL, as Jupyter does),
 * presented as `?token=`, a `Bearer` header or the cookie set on the first visit. Mutating requests also carry
 * the CSRF token the page got from /api/session, so another site cannot make a logged-in browser replay.
 */
export const COOKIE = "kjp_console";

export const newSecret = (): string => randomBytes(24).toString("base64url");

export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token a request presents, from the query, the Authorization header or the cookie (in that order). */
export function presentedToken(
  url: URL,
  headers: { authorization?: string; cookie?: string },
): string | undefined {
  const query = url.searchParams.get("token");
  if (query) return query;
  const auth = headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice("Bearer ".length);
  return cookieValue(headers.cookie, COOKIE);
}

/**
 * Only our own address: a page on another origin that rebinds its DNS name to 127.0.0.1 sends its own Host
 * header, and is refused here before any token check could be guessed at.
 */
export function allowedHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}
