import { show } from "./show.js";
import { MAX_JTI_LENGTH, MAX_SUB_LENGTH, MAX_TYPE_LENGTH, TYPE_PATTERN } from "./limits.js";
import type { EnvelopeClaims } from "./types.js";

export interface ClaimsPolicy {
  issuer: string;
  audience: string;
  clockToleranceSec: number;
  maxLifetimeSec: number;
  now: number;
}

export type ClaimsCheck = { ok: true; claims: EnvelopeClaims } | { ok: false; detail: string };

const isNumericDate = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/**
 * The claim rules of contract v1 except expiry, which has its own reason code and is checked after these.
 * Runs only on a payload whose signature has verified. `iss` is already known to be trusted (it chose the
 * key set), but is compared again so this function stands on its own.
 */
export function checkClaims(p: Record<string, unknown>, policy: ClaimsPolicy): ClaimsCheck {
  const fail = (detail: string): ClaimsCheck => ({ ok: false, detail });
  const { iss, aud, iat, exp, nbf, jti, type, v, data, sub } = p;
  if (iss !== policy.issuer) return fail(`iss ${show(iss)} is not the trusted issuer of this key`);
  if (!(aud === policy.audience || (Array.isArray(aud) && aud.includes(policy.audience)))) {
    return fail(
      aud === undefined
        ? "aud is missing"
        : `aud ${show(aud)} does not name this pipeline (${policy.audience})`,
    );
  }
  if (iat === undefined) return fail("iat is missing");
  if (!isNumericDate(iat)) return fail("iat is not a NumericDate");
  if (iat > policy.now + policy.clockToleranceSec)
    return fail(`iat ${iat} is in the future (now ${policy.now})`);
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) return fail("nbf is not a NumericDate");
    if (nbf > policy.now + policy.clockToleranceSec)
      return fail(`nbf ${nbf} is in the future (now ${policy.now})`);
  }
  if (exp === undefined) return fail("exp is missing");
  if (!isNumericDate(exp)) return fail("exp is not a NumericDate");
  if (exp <= iat) return fail(`exp ${exp} is not after iat ${iat}`);
  if (exp - iat > policy.maxLifetimeSec) {
    return fail(`lifetime exp - iat = ${exp - iat} s is above the maximum of ${policy.maxLifetimeSec} s`);
  }
  if (jti === undefined) return fail("jti is missing");
  if (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    return fail(`jti is not a string of 1-${MAX_JTI_LENGTH} characters`);
  }
  if (type === undefined) return fail("type is missing");
  if (typeof type !== "string" || type.length > MAX_TYPE_LENGTH || !TYPE_PATTERN.test(type)) {
    return fail(`type ${show(type)} is not a lowercase dotted name such as "contact.upserted"`);
  }
  if (v === undefined) return fail("v is missing");
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1)
    return fail(`v ${show(v)} is not a positive integer`);
  if (data === undefined) return fail("data is missing");
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return fail("data is not a JSON object");
  if (sub !== undefined && (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUB_LENGTH)) {
    return fail(`sub is not a string of 1-${MAX_SUB_LENGTH} characters`);
  }
  const claims: EnvelopeClaims = {
    iss,
    aud: policy.audience,
    iat,
    exp,
    jti,
    type,
    v,
    data: data as Record<string, unknown>,
  };
  if (sub !== undefined) claims.sub = sub as string;
  return { ok: true, claims };
}

/** What can be read from an untrusted payload and header, for finding the record later; never for acting on. */
export function unverifiedView(
  header: Record<string, unknown> | undefined,
  payload: Record<string, unknown> | undefined,
): NonNullable<import("./types.js").Rejection["unverified"]> {
  const view: NonNullable<import("./types.js").Rejection["unverified"]> = {};
  const str = (x: unknown, max = 256) => (typeof x === "string" && x.length <= max ? x : undefined);
  if (payload) {
    const iss = str(payload.iss);
    const jti = str(payload.jti);
    const type = str(payload.type, MAX_TYPE_LENGTH);
    const sub = str(payload.sub);
    const aud = str(payload.aud);
    if (iss !== undefined) view.iss = iss;
    if (jti !== undefined) view.jti = jti;
    if (type !== undefined) view.type = type;
    if (sub !== undefined) view.sub = sub;
    if (aud !== undefined) view.aud = aud;
    if (typeof payload.v === "number" && Number.isFinite(payload.v)) view.v = payload.v;
  }
  if (header) {
    const kid = str(header.kid);
    const alg = str(header.alg, 32);
    if (kid !== undefined) view.kid = kid;
    if (alg !== undefined) view.alg = alg;
  }
  return view;
}
