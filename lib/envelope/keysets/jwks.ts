import { createPublicKey, createSecretKey } from "node:crypto";
import type { JWK } from "jose";
import { MAX_KID_LENGTH } from "../limits.js";
import type { Algorithm } from "../types.js";

/** One JWK of a key set, checked: it has a kid, one algorithm, and key material that fits that algorithm. */
export interface TrustedJwk {
  kid: string;
  alg: Algorithm;
  jwk: JWK;
}

/** Why a JWKS document was refused; the caller decides whether that is a configuration or a transient error. */
export class JwksProblem extends Error {}

const KEY_TYPES: Record<Algorithm, { kty: string; crv?: string }> = {
  ES256: { kty: "EC", crv: "P-256" },
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  HS256: { kty: "oct" },
};

/**
 * Parses a JWKS (RFC 7517 §5) and checks every key synchronously, so a broken key set fails at start-up
 * with the kid named, not on the first record. Private keys are refused: a verifier never needs one, and one
 * in a verifier's configuration is a leak to fix.
 */
export function parseJwks(text: string, where: string): TrustedJwk[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new JwksProblem(`${where} is not JSON`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (typeof doc !== "object" || doc === null || !Array.isArray(keys)) {
    throw new JwksProblem(`${where} is not a JWKS: expected {"keys":[...]}`);
  }
  const seen = new Set<string>();
  return keys.map((entry: unknown, i) => {
    const key = checkJwk(entry, `${where} keys[${i}]`);
    if (seen.has(key.kid)) throw new JwksProblem(`${where} has the kid "${key.kid}" twice`);
    seen.add(key.kid);
    return key;
  });
}

function checkJwk(entry: unknown, where: string): TrustedJwk {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry))
    throw new JwksProblem(`${where} is not an object`);
  const jwk = entry as JWK;
  const kid = jwk.kid;
  const alg = jwk.alg as Algorithm | undefined;
  if (typeof kid !== "string" || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    throw new JwksProblem(`${where} has no kid (each key must carry one)`);
  }
  if (alg !== "ES256" && alg !== "EdDSA" && alg !== "HS256") {
    throw new JwksProblem(
      `${where} (kid "${kid}") has alg ${JSON.stringify(alg)}; expected ES256, EdDSA or HS256`,
    );
  }
  const expected = KEY_TYPES[alg];
  if (jwk.kty !== expected.kty || (expected.crv !== undefined && jwk.crv !== expected.crv)) {
    throw new JwksProblem(
      `${where} (kid "${kid}") is kty ${jwk.kty}${jwk.crv ? `/${jwk.crv}` : ""}, but ${alg} needs ${expected.kty}${expected.crv ? `/${expected.crv}` : ""}`,
    );
  }
  if (jwk.use !== undefined && jwk.use !== "sig")
    throw new JwksProblem(`${where} (kid "${kid}") has use "${jwk.use}", not "sig"`);
  if (alg === "HS256") {
    if (typeof jwk.k !== "string" || Buffer.from(jwk.k, "base64url").length < 32) {
      throw new JwksProblem(`${where} (kid "${kid}") needs a "k" of at least 32 bytes for HS256`);
    }
    createSecretKey(Buffer.from(jwk.k, "base64url"));
  } else {
    if (jwk.d !== undefined)
      throw new JwksProblem(`${where} (kid "${kid}") is a private key; publish only public keys`);
    try {
      createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    } catch (cause) {
      throw new JwksProblem(
        `${where} (kid "${kid}") is not a valid ${alg} public key: ${(cause as Error).message}`,
      );
    }
  }
  return { kid, alg, jwk };
}
