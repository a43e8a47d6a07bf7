import type { RejectionReason } from "./reasons.js";

/** Signature algorithms of contract v1. HS256 only where a deployment opts in (`allowHS256`). */
export type Algorithm = "ES256" | "EdDSA" | "HS256";

/** The explicit type every token carries in its protected header (RFC 8725 §3.11). */
export const TOKEN_TYP = "kjp+jwt";

/**
 * The explicit type of a browser access token (docs/contract.md, "Access tokens"). Distinct from TOKEN_TYP so a
 * queue message can never be presented as an access token, nor an access token put on the stream.
 */
export const ACCESS_TOKEN_TYP = "kjp-access+jwt";

/** The protected header of a verified token. */
export interface EnvelopeHeader {
  alg: Algorithm;
  kid: string;
  typ: typeof TOKEN_TYP;
}

/** The claims of contract v1 (docs/contract.md). */
export interface EnvelopeClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  type: string;
  v: number;
  data: Record<string, unknown>;
  sub?: string;
}

/**
 * A message that passed every check: signature, header, claims, and its payload validated by the schema of
 * its type and version. `data` is the payload upcast to the latest version of its type (`v` is that latest
 * version; `sentVersion` is what the producer sent), so processors only ever see one shape per type.
 */
export interface VerifiedMessage {
  header: EnvelopeHeader;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  type: string;
  v: number;
  sentVersion: number;
  sub?: string;
  data: Record<string, unknown>;
}

/** One schema problem, with the path into `data` that failed. */
export interface PayloadIssue {
  path: string;
  message: string;
}

/**
 * Why a token was refused. `detail` is one sentence for humans. `claims` holds what could be read from the
 * token without trusting it (iss, jti, type, v, sub): useful to find the message, never to act on.
 */
export interface Rejection {
  reason: RejectionReason;
  detail: string;
  issues?: PayloadIssue[];
  unverified?: Partial<Pick<EnvelopeClaims, "iss" | "jti" | "type" | "v" | "sub" | "aud">> & {
    kid?: string;
    alg?: string;
  };
  /**
   * Set only when the signature verified with a trusted key of `iss` and both iss and jti have a valid shape:
   * the token's identity is then authentic even though the token is refused, so the refusal can be recorded
   * under the message's dedupe key (docs/architecture.md §4) instead of its stream position.
   */
  identity?: { iss: string; jti: string };
}

export type VerifyResult = { ok: true; message: VerifiedMessage } | { ok: false; rejection: Rejection };

export type ValidationResult =
  | { ok: true; v: number; data: Record<string, unknown> }
  | { ok: false; reason: "unknown_type" | "invalid_payload"; detail: string; issues?: PayloadIssue[] };

/** What the envelope verifier needs from a schema registry (schemas/registry.ts implements it). */
export interface PayloadValidator {
  /**
   * Validates `data` against the schema of (type, v) and upcasts it to the latest version of the type.
   * Never throws for bad data.
   */
  validate(type: string, v: number, data: unknown): ValidationResult;
}
