import { show } from "./show.js";
import { MAX_ACCOUNT_LENGTH, MAX_SCOPES, SCOPE_PATTERN } from "./access-limits.js";
import { MAX_JTI_LENGTH, MAX_SUB_LENGTH } from "./limits.js";

/** The claims of a verified access token (docs/contract.md, "Access tokens"). */
export interface AccessClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  /** The user the token was issued to. */
  sub: string;
  /** The one account whose data the token may reach. */
  account: string;
  /** What the token may do, e.g. ["pipeline:read", "notes:write"]. */
  scopes: string[];
}

export interface AccessClaimsPolicy {
  issuer: string;
  audience: string;
  clockToleranceSec: number;
  maxLifetimeSec: number;
  now: number;
}

export type AccessClaimsCheck = { ok: true; claims: AccessClaims } | { ok: false; detail: string };

/** Claims only a queue message carries: their presence means a message is being replayed as a credential. */
const MESSAGE_CLAIMS = ["type", "v", "data"] as const;

const isNumericDate = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isBoundedString = (v: unknown, max: number): v is string =>
  typeof v === "string" && v.length > 0 && v.length <= max;

/**
 * The claim rules of an access token except expiry (its own reason code, checked after these). Runs only on a
 * payload whose signature verified. Mirrors claims-policy.ts for queue messages; the two never accept each
 * other's tokens (typ differs, and each refuses the other's distinguishing claims).
 */
export function checkAccessClaims(p: Record<string, unknown>, policy: AccessClaimsPolicy): AccessClaimsCheck {
  const fail = (detail: string): AccessClaimsCheck => ({ ok: false, detail });
  const { iss, aud, iat, exp, nbf, jti, sub, account, scope } = p;
  if (iss !== policy.issuer) return fail(`iss ${show(iss)} is not the trusted issuer of this key`);
  if (!(aud === policy.audience || (Array.isArray(aud) && aud.includes(policy.audience)))) {
    return fail(
      aud === undefined ? "aud is missing" : `aud ${show(aud)} does not name this API (${policy.audience})`,
    );
  }
  for (const claim of MESSAGE_CLAIMS) {
    if (Object.hasOwn(p, claim))
      return fail(`claim "${claim}" belongs to a queue message, not an access token`);
  }
  if (!isNumericDate(iat)) return fail(iat === undefined ? "iat is missing" : "iat is not a NumericDate");
  if (iat > policy.now + policy.clockToleranceSec)
    return fail(`iat ${iat} is in the future (now ${policy.now})`);
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) return fail("nbf is not a NumericDate");
    if (nbf > policy.now + policy.clockToleranceSec)
      return fail(`nbf ${nbf} is in the future (now ${policy.now})`);
  }
  if (!isNumericDate(exp)) return fail(exp === undefined ? "exp is missing" : "exp is not a NumericDate");
  if (exp <= iat) return fail(`exp ${exp} is not after iat ${iat}`);
  if (exp - iat > policy.maxLifetimeSec) {
    return fail(
      `lifetime exp - iat = ${exp - iat} s is above the access token maximum of ${policy.maxLifetimeSec} s`,
    );
  }
  if (!isBoundedString(jti, MAX_JTI_LENGTH))
    return fail(`jti is not a string of 1-${MAX_JTI_LENGTH} characters`);
  if (!isBoundedString(sub, MAX_SUB_LENGTH))
    return fail(`sub is not a string of 1-${MAX_SUB_LENGTH} characters`);
  if (!isBoundedString(account, MAX_ACCOUNT_LENGTH)) {
    return fail(`account is not a string of 1-${MAX_ACCOUNT_LENGTH} characters`);
  }
  if (typeof scope !== "string")
    return fail(scope === undefined ? "scope is missing" : "scope is not a string");
  // RFC 8693 §4.2: space-delimited; an empty scope is allowed (a token that may do nothing).
  const scopes = scope === "" ? [] : scope.split(" ");
  if (scopes.length > MAX_SCOPES) return fail(`scope has more than ${MAX_SCOPES} entries`);
  const bad = scopes.find((s) => !SCOPE_PATTERN.test(s));
  if (bad !== undefined) return fail(`scope entry ${show(bad)} is not "resource:action"`);
  return {
    ok: true,
    claims: { iss, aud: policy.audience, iat, exp, jti, sub, account, scopes: [...new Set(scopes)] },
  };
}
