/**
 * Bounds of browser access tokens (docs/contract.md, "Access tokens"). A stolen access token is usable until it
 * expires, so lifetimes are minutes; a queue message lives for days because it must outlast stream retention.
 */
export const ACCESS_DEFAULT_TTL_SEC = 300;
export const ACCESS_MAX_LIFETIME_SEC = 3600;
/** An access token travels in an HTTP header: a few hundred bytes, never the 1 MiB a message may have. */
export const ACCESS_MAX_TOKEN_BYTES = 4096;
export const MAX_SCOPES = 32;
export const SCOPE_PATTERN = /^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$/;
export const MAX_ACCOUNT_LENGTH = 256;
