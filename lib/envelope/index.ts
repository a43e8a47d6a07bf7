// The public API of the envelope: everything else in lib/envelope is an implementation detail.
export * from "./types.js";
export * from "./reasons.js";
export {
  createVerifier,
  type TrustedIssuer,
  type Verifier,
  type VerifierOptions,
  type VerifyOptions,
} from "./verify.js";
export {
  createSigner,
  InvalidMessageError,
  type SignInput,
  type Signer,
  type SignerOptions,
} from "./sign.js";
export { generateSigningKey } from "./keys.js";
export { uuidv7 } from "./uuidv7.js";
export { canonicalToken, canonicalTokenHash } from "./canonical-token.js";
export { verifierOptionsFromEnv } from "./config.js";
export { loadKeySet, KEY_SET_SOURCE_FORMS, type LoadKeySetOptions } from "./keysets/load-key-set.js";
export { KEY_SET_UNAVAILABLE, type KeySet, type ResolvedKey } from "./keysets/key-set.js";
export {
  DEFAULT_MAX_TOKEN_BYTES,
  DEFAULT_TTL_SEC,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_MAX_LIFETIME_SEC,
} from "./limits.js";
