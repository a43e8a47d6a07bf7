import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { KjpError } from "../errors/kjp-error.js";

/**
 * A new signing key with its kid and alg set on both halves. For HS256 there is no public half: `publicJwk`
 * is the shared secret itself and must be handled as a secret.
 */
export async function generateSigningKey(
  alg: "ES256" | "EdDSA" | "HS256",
  kid: string,
): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  if (typeof kid !== "string" || kid.length === 0 || kid.length > 256) {
    throw new KjpError("invalid_key", "kid must be a string of 1-256 characters");
  }
  if (alg === "HS256") {
    const secret: JWK = { kty: "oct", k: randomBytes(32).toString("base64url"), kid, alg, use: "sig" };
    return { privateJwk: secret, publicJwk: { ...secret } };
  }
  if (alg !== "ES256" && alg !== "EdDSA")
    throw new KjpError("invalid_key", `alg ${JSON.stringify(alg)} is not supported`);
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === "EdDSA" ? "Ed25519" : undefined,
  });
  const meta = { kid, alg, use: "sig" };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}
