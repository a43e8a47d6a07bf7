import { show } from "./show.js";
import { MAX_KID_LENGTH } from "./limits.js";
import { TOKEN_TYP, type Algorithm, type EnvelopeHeader } from "./types.js";

/**
 * Header members that would let a token choose its own key or demand extensions we do not implement
 * (RFC 8725 §3.1, RFC 7515 §4.1.11, RFC 7797 `b64`), or ask for decompression (`zip`, a JWE member).
 */
export const FORBIDDEN_HEADER_MEMBERS = ["crit", "jku", "x5u", "x5c", "jwk", "b64", "zip"] as const;

export type HeaderCheck = { ok: true; header: EnvelopeHeader } | { ok: false; detail: string };

export function checkHeader(header: Record<string, unknown>, allowed: ReadonlySet<Algorithm>): HeaderCheck {
  const check = checkHeaderOfType(header, allowed, TOKEN_TYP);
  return check.ok ? { ok: true, header: { ...check.header, typ: TOKEN_TYP } } : check;
}

export type TypedHeaderCheck =
  { ok: true; header: { alg: Algorithm; kid: string; typ: string } } | { ok: false; detail: string };

/** The header rules for a token whose `typ` must be `expectedTyp` (queue messages and access tokens alike). */
export function checkHeaderOfType(
  header: Record<string, unknown>,
  allowed: ReadonlySet<Algorithm>,
  expectedTyp: string,
): TypedHeaderCheck {
  const { typ, alg, kid } = header;
  if (typ !== expectedTyp) {
    return {
      ok: false,
      detail:
        typ === undefined
          ? `typ is missing (must be "${expectedTyp}")`
          : `typ ${show(typ)} is not "${expectedTyp}"`,
    };
  }
  if (typeof alg !== "string" || !allowed.has(alg as Algorithm)) {
    return {
      ok: false,
      detail: `alg ${show(alg)} is not allowed (allowed: ${[...allowed].join(", ")})`,
    };
  }
  if (typeof kid !== "string" || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    return { ok: false, detail: `kid is missing or not a string of 1-${MAX_KID_LENGTH} characters` };
  }
  for (const member of FORBIDDEN_HEADER_MEMBERS) {
    if (Object.hasOwn(header, member))
      return { ok: false, detail: `header member "${member}" is not accepted` };
  }
  return { ok: true, header: { alg: alg as Algorithm, kid, typ: expectedTyp } };
}
