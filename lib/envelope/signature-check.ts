import { createHmac, timingSafeEqual, verify as cryptoVerify, type KeyObject } from "node:crypto";
import type { Algorithm } from "./types.js";

/** Signature lengths fixed by each algorithm: anything else cannot be a signature, so it is refused unread. */
const SIGNATURE_BYTES: Record<Algorithm, number> = { ES256: 64, EdDSA: 64, HS256: 32 };

/**
 * Checks the signature of a token that decodeCompact has already split and decoded (the signing input as
 * received, the signature's bytes) and the header policy has already accepted, with the one KeyObject of our key set
 * (RFC 7515 §5.2). jose parsed the key; the token need not be parsed again, and node:crypto on a KeyObject
 * skips WebCrypto's per-call key handling. ES256 signatures are r||s
 * (IEEE P1363, RFC 7518 §3.4), never DER. Resolves false for any signature that does not verify; never throws.
 *
 * `inline`: verify on this thread rather than on libuv's pool. For a caller with nothing else to verify
 * meanwhile (one token at a time): the pool's round trip (hand-over, wake-up, callback) costs about as much
 * CPU as the verification itself and buys no parallelism.
 */
export function signatureMatches(
  signingInput: string,
  signature: Uint8Array,
  alg: Algorithm,
  key: KeyObject,
  inline = false,
): Promise<boolean> {
  if (signature.length !== SIGNATURE_BYTES[alg]) return Promise.resolve(false);
  // The received ASCII text, byte for byte: latin1 maps each character to its one byte.
  const input = Buffer.from(signingInput, "latin1");
  if (alg === "HS256") {
    if (key.type !== "secret") return Promise.resolve(false);
    const expected = createHmac("sha256", key).update(input).digest();
    return Promise.resolve(timingSafeEqual(expected, signature));
  }
  if (key.type !== "public") return Promise.resolve(false);
  if (alg === "ES256" ? key.asymmetricKeyType !== "ec" : key.asymmetricKeyType !== "ed25519") {
    return Promise.resolve(false);
  }
  const digest = alg === "ES256" ? "sha256" : null;
  if (inline) {
    try {
      return Promise.resolve(cryptoVerify(digest, input, { key, dsaEncoding: "ieee-p1363" }, signature));
    } catch {
      return Promise.resolve(false);
    }
  }
  // The callback form runs on libuv's thread pool, so tokens in flight together verify on every core.
  return new Promise((resolve) => {
    try {
      cryptoVerify(digest, input, { key, dsaEncoding: "ieee-p1363" }, signature, (error, ok) =>
        resolve(!error && ok),
      );
    } catch {
      resolve(false);
    }
  });
}
