import { ConfigurationError, KjpError } from "../errors/kjp-error.js";
import { checkClaims, unverifiedView } from "./claims-policy.js";
import { decodeCompact, findProtoKeyPath } from "./compact.js";
import { checkHeader } from "./header-policy.js";
import { signatureMatches } from "./signature-check.js";
import { chooseKey, keySetsByIssuer, type KeyChoice, type TrustedIssuer } from "./token-key.js";
import {
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_MAX_LIFETIME_SEC,
  DEFAULT_MAX_TOKEN_BYTES,
  MAX_JTI_LENGTH,
} from "./limits.js";
import type { RejectionReason } from "./reasons.js";
import type {
  Algorithm,
  PayloadIssue,
  PayloadValidator,
  Rejection,
  VerifiedMessage,
  VerifyResult,
} from "./types.js";

export interface VerifierOptions {
  audience: string;
  issuers: TrustedIssuer[];
  validator: PayloadValidator;
  /** Default 60. */
  clockToleranceSec?: number;
  /** Largest accepted exp - iat. Default 8 days (the producer default lifetime is 7 days). */
  maxLifetimeSec?: number;
  /** Default 1 MiB, the Kinesis record limit. */
  maxTokenBytes?: number;
  /** Default false: HS256 needs a shared secret, so a deployment has to opt in. */
  allowHS256?: boolean;
  /**
   * Check every signature on the calling thread, never on libuv's thread pool. For a process with less than
   * two CPUs (a Lambda function below 3,538 MB): there the pool verifies nothing beside the main thread, and
   * its hand-over costs CPU per token. Default false: overlapping verifications go to the pool.
   */
  inlineSignatures?: boolean;
}

export interface VerifyOptions {
  /** Seconds since the epoch; default the current time. */
  now?: number;
  /** Replay horizon: widens the exp check only, never iat, lifetime or anything else. */
  expGraceSec?: number;
}

export interface Verifier {
  verify(token: string | Uint8Array, options?: VerifyOptions): Promise<VerifyResult>;
}

/**
 * The consumer's verifier (docs/contract.md). Checks run in the order of the reason codes, and the first
 * failing check decides the reason. Bad input never throws; only a key set that cannot be fetched right now
 * throws (TransientError), so the caller retries the record rather than rejecting a good one.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const audience = options.audience;
  if (typeof audience !== "string" || audience.length === 0)
    throw new ConfigurationError("the verifier needs an audience");
  const keySets = keySetsByIssuer(options.issuers, "the verifier");
  const clockToleranceSec = nonNegative(
    options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
    "clockToleranceSec",
  );
  const maxLifetimeSec = nonNegative(options.maxLifetimeSec ?? DEFAULT_MAX_LIFETIME_SEC, "maxLifetimeSec");
  const maxTokenBytes = nonNegative(options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES, "maxTokenBytes");
  const allowed = new Set<Algorithm>(options.allowHS256 ? ["ES256", "EdDSA", "HS256"] : ["ES256", "EdDSA"]);
  const validator = options.validator;
  const inlineSignatures = options.inlineSignatures === true;

  // Calls of this verifier under way: with no other, the signature is checked inline (signature-check.ts).
  let underWay = 0;

  // One async function per token, its checks inside the try: no second promise wraps them.
  async function verify(token: string | Uint8Array, verifyOptions?: VerifyOptions): Promise<VerifyResult> {
    underWay++;
    try {
      const now = verifyOptions?.now ?? Math.floor(Date.now() / 1000);
      const expGraceSec = verifyOptions?.expGraceSec ?? 0;

      const decoded = decodeCompact(token, maxTokenBytes);
      if (!decoded.ok) return reject(decoded.reason, decoded.detail, decoded.header, decoded.payload);
      const { header, payload, signingInput, signature, hasProtoKey } = decoded.token;

      const headerCheck = checkHeader(header, allowed);
      if (!headerCheck.ok) return reject("header", headerCheck.detail, header, payload);
      const { kid, alg } = headerCheck.header;

      // iss is read unverified only to pick the key set; it is checked again with the other claims below.
      let choice: KeyChoice | Promise<KeyChoice> = chooseKey(keySets, payload.iss, kid, alg);
      if (choice instanceof Promise) choice = await choice;
      if (!choice.ok) return reject(choice.reason, choice.detail, header, payload);
      const { iss, key } = choice;

      // The key and its one algorithm come from our key set; the token never picks either.
      if (
        !(await signatureMatches(
          signingInput,
          signature,
          key.alg,
          key.key,
          inlineSignatures || underWay === 1,
        ))
      ) {
        return reject(
          "bad_signature",
          `signature does not verify with key "${kid}" of issuer "${iss}"`,
          header,
          payload,
        );
      }
      // From here on the claims are signed by the issuer: its iss/jti name the message, whatever else is wrong.
      const refuse = (r: RejectionReason, detail: string, issues?: PayloadIssue[]) =>
        withIdentity(reject(r, detail, header, payload, issues), authenticIdentity(iss, payload.jti));

      const claimsCheck = checkClaims(payload, {
        issuer: iss,
        audience,
        clockToleranceSec,
        maxLifetimeSec,
        now,
      });
      if (!claimsCheck.ok) return refuse("claims", claimsCheck.detail);
      if (hasProtoKey) {
        // JSON.parse made these own properties (harmless); refuse them before any code can copy them unsafely.
        if (Object.hasOwn(payload, "__proto__")) return refuse("claims", "payload has a __proto__ claim");
        const path = findProtoKeyPath(claimsCheck.claims.data);
        if (path !== undefined) {
          const issue = { path, message: "__proto__ is not an accepted member name" };
          return refuse("invalid_payload", `data has a __proto__ member at ${path}`, [issue]);
        }
      }
      const claims = claimsCheck.claims;

      if (claims.exp + clockToleranceSec + expGraceSec < now) {
        return refuse("expired", `exp ${claims.exp} is past (now ${now}, tolerance ${clockToleranceSec} s)`);
      }

      let validation: ReturnType<PayloadValidator["validate"]>;
      try {
        validation = validator.validate(claims.type, claims.v, claims.data);
      } catch (error) {
        // The validator contract says it never throws; if it does, the payload still must not crash the caller.
        return refuse("invalid_payload", `payload validation failed: ${(error as Error).message}`);
      }
      if (!validation.ok) return refuse(validation.reason, validation.detail, validation.issues);

      const message: VerifiedMessage = {
        header: headerCheck.header,
        iss: claims.iss,
        aud: audience,
        iat: claims.iat,
        exp: claims.exp,
        jti: claims.jti,
        type: claims.type,
        v: validation.v,
        sentVersion: claims.v,
        data: validation.data,
      };
      if (claims.sub !== undefined) message.sub = claims.sub;
      return { ok: true, message };
    } catch (error) {
      // Key set trouble (transient, or a broken configuration) is not the token's fault: let the caller see it.
      if (error instanceof KjpError) throw error;
      // Anything else is an input shape we did not foresee: it must end as a rejection, never crash the batch.
      return reject(
        "malformed",
        `token could not be processed: ${(error as Error)?.message ?? String(error)}`,
      );
    } finally {
      underWay--;
    }
  }

  return { verify };
}

function reject(
  reason: RejectionReason,
  detail: string,
  header?: Record<string, unknown>,
  payload?: Record<string, unknown>,
  issues?: PayloadIssue[],
): VerifyResult {
  const rejection: Rejection = { reason, detail };
  if (issues && issues.length > 0) rejection.issues = issues;
  if (header || payload) rejection.unverified = unverifiedView(header, payload);
  return { ok: false, rejection };
}

function authenticIdentity(iss: string, jti: unknown): Rejection["identity"] {
  return typeof jti === "string" && jti.length > 0 && jti.length <= MAX_JTI_LENGTH ? { iss, jti } : undefined;
}

function withIdentity(result: VerifyResult, identity: Rejection["identity"]): VerifyResult {
  if (!result.ok && identity) result.rejection.identity = identity;
  return result;
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}
