import type { KeyObject, webcrypto } from "node:crypto";
import type { Algorithm } from "../types.js";

/** WebCrypto key type (no DOM lib in this project). */
export type CryptoKey = webcrypto.CryptoKey;

/** A trusted verification key, bound to exactly one algorithm, imported once and reused for every token. */
export interface ResolvedKey {
  kid: string;
  alg: Algorithm;
  /** Public key for ES256/EdDSA, secret key for HS256: what node:crypto verifies with. */
  key: KeyObject;
}

/**
 * The trusted keys of one issuer. `resolve` returns undefined for a kid the set does not hold; it throws
 * TransientError (code "key_set_unavailable") when the set cannot be fetched right now, so the caller retries
 * the record instead of rejecting it.
 */
export interface KeySet {
  resolve(kid: string): Promise<ResolvedKey | undefined>;
  /**
   * The key `resolve` would answer at once from memory (imported, nothing to fetch), without a promise: the
   * verifier's per-token path. Undefined means "ask resolve" (not imported yet, unknown kid, refresh due).
   */
  peek?(kid: string): ResolvedKey | undefined;
}

export const KEY_SET_UNAVAILABLE = "key_set_unavailable";
