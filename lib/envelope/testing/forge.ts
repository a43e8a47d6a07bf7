import { createHmac, createPrivateKey, sign as cryptoSign, type KeyObject } from "node:crypto";
import type { JWK } from "jose";

/**
 * Builds tokens byte by byte, including ones no honest signer would produce (bad headers, odd payloads,
 * wrong keys), so tests and vectors can exercise every rejection with a correctly computed signature.
 * Test and vector support only: never used by the verifier.
 */
export type ForgeKey =
  | { alg: "ES256" | "EdDSA"; privateJwk: JWK }
  | { alg: "HS256"; secret: Uint8Array }
  | { alg: "zero-ES256" }
  | { alg: "none" };

export const b64url = (input: string | Uint8Array): string => Buffer.from(input).toString("base64url");

export function forge(header: object | string, payload: object | string, key: ForgeKey): string {
  const h = b64url(typeof header === "string" ? header : JSON.stringify(header));
  const p = b64url(typeof payload === "string" ? payload : JSON.stringify(payload));
  const input = Buffer.from(`${h}.${p}`);
  return `${h}.${p}.${b64url(signature(input, key))}`;
}

function signature(input: Buffer, key: ForgeKey): Uint8Array {
  switch (key.alg) {
    case "ES256":
      return cryptoSign("sha256", input, {
        key: privateKeyObject(key.privateJwk),
        dsaEncoding: "ieee-p1363",
      });
    case "EdDSA":
      return cryptoSign(null, input, privateKeyObject(key.privateJwk));
    case "HS256":
      return createHmac("sha256", key.secret).update(input).digest();
    case "zero-ES256":
      return new Uint8Array(64);
    case "none":
      return new Uint8Array(0);
  }
}

const cache = new WeakMap<JWK, KeyObject>();
function privateKeyObject(jwk: JWK): KeyObject {
  let key = cache.get(jwk);
  if (!key) {
    key = createPrivateKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    cache.set(jwk, key);
  }
  return key;
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The other spelling of an ES256 token: its signature's `s` replaced by `n − s`. Verifies like the original. */
export function ecdsaTwin(token: string): string {
  const last = token.lastIndexOf(".");
  const sig = Buffer.from(token.slice(last + 1), "base64url");
  const s = BigInt(`0x${sig.subarray(32).toString("hex")}`);
  Buffer.from((P256_N - s).toString(16).padStart(64, "0"), "hex").copy(sig, 32);
  return `${token.slice(0, last + 1)}${b64url(sig)}`;
}
