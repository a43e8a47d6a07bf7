/**
 * Rejection reason codes: part of the contract (docs/contract.md). The CLI, the logs, the ledger and the
 * metrics all use these exact strings, so they never change meaning; new ones are only ever added.
 * Listed in the order the consumer checks them.
 */
export const VERIFY_REASONS = [
  "malformed",
  "header",
  "unknown_key",
  "bad_signature",
  "claims",
  "expired",
  "unknown_type",
  "invalid_payload",
] as const;

export type VerifyReason = (typeof VERIFY_REASONS)[number];

/**
 * What the pipeline adds around verification: a KPL aggregate that cannot be unpacked (before any token is
 * read), and a processor's explicit permanent refusal.
 */
export type RejectionReason = VerifyReason | "aggregate" | "processor";

export const REJECTION_REASONS: readonly RejectionReason[] = [...VERIFY_REASONS, "aggregate", "processor"];

/** One line per reason, for docs, `--help` and error hints. */
export const REASON_DESCRIPTIONS: Record<RejectionReason, string> = {
  malformed:
    "not a JWS Compact Serialization: wrong number of parts, bad base64url, header or payload not a JSON object, a payload member name twice",
  header:
    "protected header refused: above 4096 bytes or nested deeper than 4, a member name twice, typ is not kjp+jwt, alg not allowed, kid missing, or crit/jku/x5u/x5c/jwk present",
  unknown_key: "no trusted key has this kid (or the kid belongs to another issuer or algorithm)",
  bad_signature: "the signature does not verify with the trusted key",
  claims:
    "a claim is missing or wrong: iss, aud, iat (in the future), lifetime above the maximum, jti, type, v, data",
  expired: "exp (plus clock tolerance) is in the past",
  unknown_type: "no schema is registered for this type and version",
  invalid_payload: "data does not match the schema of its type and version",
  aggregate:
    "a KPL-aggregated record that cannot be unpacked: bad MD5, truncated or invalid protobuf, a table index out of range, or beyond the aggregate limits",
  processor: "the processor refused the message permanently",
};
