import { createSecretKey, KeyObject } from "node:crypto";
import { importJWK } from "jose";
import type { ResolvedKey } from "./key-set.js";
import type { TrustedJwk } from "./jwks.js";

/**
 * Imports a checked JWK once (jose's import rules) and keeps it as a KeyObject bound to its one algorithm:
 * node:crypto then verifies every token with it directly, with no per-token key conversion.
 */
export async function importTrustedKey({ kid, alg, jwk }: TrustedJwk): Promise<ResolvedKey> {
  if (alg === "HS256") return { kid, alg, key: createSecretKey(Buffer.from(jwk.k as string, "base64url")) };
  const imported = await importJWK({ ...jwk, alg, ext: false }, alg, { extractable: false });
  if (!(imported instanceof KeyObject) && !isCryptoKey(imported)) {
    throw new TypeError(`key "${kid}" did not import as a public key`);
  }
  return { kid, alg, key: imported instanceof KeyObject ? imported : KeyObject.from(imported) };
}

function isCryptoKey(value: unknown): value is Parameters<typeof KeyObject.from>[0] {
  return typeof value === "object" && value !== null && "algorithm" in value && "usages" in value;
}
