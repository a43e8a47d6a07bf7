/**
 * An independent reading of docs/contract.md for the consumer fuzz: would a token be acceptable? Written from
 * the contract's text with node:crypto and the published key sets, sharing no code with lib/envelope, so that
 * "every accepted record verifies and validates under the contract" is not the verifier checking itself.
 * Only the schemas are shared (they are the contract's definition of `data`).
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type { JWK } from "jose";
import { registry } from "../../../schemas/index.js";

export interface OracleSettings {
  audience: string;
  /** issuer → its public keys */
  issuers: Record<string, JWK[]>;
  /** seconds */
  now: number;
  toleranceSec?: number;
  maxLifetimeSec?: number;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const FORBIDDEN_HEADER = ["crit", "jku", "x5u", "x5c", "jwk", "b64", "zip"];
const TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const keyObjects = new WeakMap<JWK, KeyObject>();

/** Why the token is not acceptable, or undefined when it is. */
export function contractViolation(bytes: Buffer, o: OracleSettings): string | undefined {
  const text = bytes.toString("latin1");
  if (!/^[\x21-\x7e]*$/.test(text)) return "not ASCII";
  const parts = text.split(".");
  if (parts.length !== 3) return "not three segments";
  for (const p of parts) {
    if (!SEGMENT.test(p) || Buffer.from(p, "base64url").toString("base64url") !== p)
      return "not canonical base64url";
  }
  if (Buffer.from(parts[0]!, "base64url").length > 4096) return "header above 4096 bytes";
  const header = json(parts[0]!);
  const claims = json(parts[1]!);
  if (depth(header) > 4) return "header nested deeper than 4";
  if (depth(claims) > 32) return "payload nested deeper than 32";
  if (!isObject(header) || !isObject(claims)) return "header or payload not a JSON object";
  if (header.typ !== "kjp+jwt") return "typ";
  if (header.alg !== "ES256" && header.alg !== "EdDSA") return "alg";
  if (typeof header.kid !== "string" || header.kid.length < 1 || header.kid.length > 256) return "kid";
  if (FORBIDDEN_HEADER.some((m) => m in header)) return "forbidden header member";
  if (typeof claims.iss !== "string" || !(claims.iss in o.issuers)) return "untrusted iss";
  const jwk = o.issuers[claims.iss]!.find((k) => k.kid === header.kid && k.alg === header.alg);
  if (!jwk) return "no key of that issuer has this kid and alg";
  const signature = Buffer.from(parts[2]!, "base64url");
  if (signature.length !== 64) return "signature length";
  const input = Buffer.from(`${parts[0]}.${parts[1]}`, "ascii");
  const ok =
    header.alg === "ES256"
      ? verify("sha256", input, { key: keyOf(jwk), dsaEncoding: "ieee-p1363" }, signature)
      : verify(null, input, keyOf(jwk), signature);
  if (!ok) return "signature";
  if (Object.prototype.hasOwnProperty.call(claims, "__proto__")) return "__proto__ claim";
  const aud = claims.aud;
  if (!(aud === o.audience || (Array.isArray(aud) && aud.includes(o.audience)))) return "aud";
  const tol = o.toleranceSec ?? 60;
  const { iat, exp, nbf } = claims;
  if (!Number.isFinite(iat) || !Number.isFinite(exp)) return "iat/exp not numbers";
  if ((iat as number) > o.now + tol) return "iat in the future";
  if ((exp as number) <= (iat as number)) return "exp not after iat";
  if ((exp as number) - (iat as number) > (o.maxLifetimeSec ?? 8 * 86400)) return "lifetime";
  if ((exp as number) + tol < o.now) return "expired";
  if (nbf !== undefined && !(Number.isFinite(nbf) && (nbf as number) <= o.now + tol)) return "nbf";
  if (typeof claims.jti !== "string" || claims.jti.length < 1 || claims.jti.length > 256) return "jti";
  if (typeof claims.type !== "string" || claims.type.length > 128 || !TYPE.test(claims.type)) return "type";
  if (!Number.isSafeInteger(claims.v) || (claims.v as number) < 1) return "v";
  if (
    claims.sub !== undefined &&
    !(typeof claims.sub === "string" && claims.sub.length >= 1 && claims.sub.length <= 256)
  )
    return "sub";
  if (!isObject(claims.data)) return "data not an object";
  const schema = registry.get(claims.type, claims.v as number);
  if (!schema) return "unknown type";
  if (!schema.schema.safeParse(claims.data).success) return "data fails its schema";
  return undefined;
}

/** The unverified (iss, jti) a token names, if its payload is readable. */
export function namedIdentity(bytes: Buffer): { iss: string; jti: string } | undefined {
  const parts = bytes.toString("latin1").split(".");
  if (parts.length < 2) return undefined;
  const claims = json(parts[1]!);
  if (!isObject(claims) || typeof claims.iss !== "string" || typeof claims.jti !== "string") return undefined;
  return { iss: claims.iss, jti: claims.jti };
}

function json(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Nesting of objects and arrays, counting the value itself. */
function depth(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  let deepest = 0;
  for (const v of Object.values(value)) deepest = Math.max(deepest, depth(v));
  return deepest + 1;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function keyOf(jwk: JWK): KeyObject {
  let key = keyObjects.get(jwk);
  if (!key) {
    key = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    keyObjects.set(jwk, key);
  }
  return key;
}
