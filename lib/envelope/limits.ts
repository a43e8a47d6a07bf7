/**
 * Bounds of contract v1 that are not configurable: they keep a hostile token from costing more than a
 * legitimate one before its signature is even checked.
 */
export const DEFAULT_MAX_TOKEN_BYTES = 1024 * 1024; // the Kinesis record limit
export const MAX_JSON_DEPTH = 32;
/** A contract header is three short members (~70 bytes); anything near this size is not one of ours. */
export const MAX_HEADER_BYTES = 4096;
/** Nesting levels of the protected header, counting the header object itself; its members are flat strings. */
export const MAX_HEADER_DEPTH = 4;
export const MAX_KID_LENGTH = 256;
export const MAX_JTI_LENGTH = 256;
export const MAX_SUB_LENGTH = 256; // a Kinesis partition key is at most 256 characters
export const MAX_TYPE_LENGTH = 128;
export const TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
export const DEFAULT_CLOCK_TOLERANCE_SEC = 60;
export const DEFAULT_TTL_SEC = 7 * 24 * 3600;
export const DEFAULT_MAX_LIFETIME_SEC = 8 * 24 * 3600;
