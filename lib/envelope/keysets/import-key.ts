import { importJWK } from "jose";
import type { CryptoKey, ResolvedKey } from "./key-set.js";
import type { TrustedJwk } from "./jwks.js";

/**
 * Imports a checked JWK as a non-extractable CryptoKey usable only for its one algorithm: jose hands a
 * CryptoKey straight to WebCrypto, so the per-token cost is the signature check alone.
 */
export async function importTrustedKey({ kid, alg, jwk }: TrustedJwk): Promise<ResolvedKey> {
  if (alg === "HS256") {
    const raw = Buffer.from(jwk.k as string, "base64url");
    const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
      "verify",
    ]);
    return { kid, alg, key };
  }
  const key = await importJWK({ ...jwk, alg, ext: false }, alg, { extractable: false });
  return { kid, alg, key: key as CryptoKey };
}
