import { ConfigurationError, KjpError } from "../errors/kjp-error.js";
import { ACCESS_MAX_LIFETIME_SEC, ACCESS_MAX_TOKEN_BYTES } from "./access-limits.js";
import { checkAccessClaims, type AccessClaims } from "./access-claims-policy.js";
import { unverifiedView } from "./claims-policy.js";
import { decodeCompact } from "./compact.js";
import { checkHeaderOfType } from "./header-policy.js";
import { DEFAULT_CLOCK_TOLERANCE_SEC } from "./limits.js";
import type { VerifyReason } from "./reasons.js";
import { signatureMatches } from "./signature-check.js";
import { chooseKey, keySetsByIssuer, type KeyChoice, type TrustedIssuer } from "./token-key.js";
import { ACCESS_TOKEN_TYP, type Algorithm } from "./types.js";

export interface AccessTokenVerifierOptions {
  /** The HTTP API's audience; never the pipeline's (a message's aud must not open the API). */
  audience: string;
  issuers: TrustedIssuer[];
  /** Default 60. */
  clockToleranceSec?: number;
  /** Largest accepted exp - iat. Default and ceiling: one hour. */
  maxLifetimeSec?: number;
}

/** Reasons an access token is refused: the contract's codes that apply to a token without a payload schema. */
export type AccessRejectionReason = Exclude<VerifyReason, "unknown_type" | "invalid_payload">;

export interface AccessRejection {
  reason: AccessRejectionReason;
  detail: string;
  /** Read without trusting it, to find the token in logs; never to act on. */
  unverified?: { iss?: string; jti?: string; sub?: string; aud?: string; kid?: string; alg?: string };
}

export type AccessVerifyResult =
  { ok: true; token: AccessClaims } | { ok: false; rejection: AccessRejection };

export interface AccessTokenVerifier {
  verify(token: string, options?: { now?: number }): Promise<AccessVerifyResult>;
}

const ALLOWED = new Set<Algorithm>(["ES256", "EdDSA"]);

/**
 * Verifies browser access tokens with the same checks, keys and reason codes as queue messages
 * (lib/envelope/verify.ts), against the access token rules: typ kjp-access+jwt, the HTTP API's audience, a
 * lifetime of minutes, sub + account + scope instead of type/v/data. HS256 is never accepted here: a shared
 * secret would have to live in the browser-facing API. Bad input never throws; a key set that cannot be
 * fetched throws TransientError, so the API answers 503 rather than refusing a good token.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const { audience } = options;
  if (typeof audience !== "string" || audience.length === 0) {
    throw new ConfigurationError("the access token verifier needs an audience");
  }
  const keySets = keySetsByIssuer(options.issuers, "the access token verifier");
  const clockToleranceSec = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  const maxLifetimeSec = options.maxLifetimeSec ?? ACCESS_MAX_LIFETIME_SEC;
  if (!(maxLifetimeSec > 0 && maxLifetimeSec <= ACCESS_MAX_LIFETIME_SEC)) {
    throw new ConfigurationError(
      `the access token maximum lifetime must be 1-${ACCESS_MAX_LIFETIME_SEC} s, got ${String(maxLifetimeSec)}`,
      "access tokens live minutes; use a queue message for anything that must last longer",
    );
  }

  async function verify(token: string, now: number): Promise<AccessVerifyResult> {
    const decoded = decodeCompact(token, ACCESS_MAX_TOKEN_BYTES);
    if (!decoded.ok) return reject(decoded.reason, decoded.detail, decoded.header, decoded.payload);
    const { header, payload, signingInput, signature } = decoded.token;

    const headerCheck = checkHeaderOfType(header, ALLOWED, ACCESS_TOKEN_TYP);
    if (!headerCheck.ok) return reject("header", headerCheck.detail, header, payload);
    const { kid, alg } = headerCheck.header;

    let choice: KeyChoice | Promise<KeyChoice> = chooseKey(keySets, payload.iss, kid, alg);
    if (choice instanceof Promise) choice = await choice;
    if (!choice.ok) return reject(choice.reason, choice.detail, header, payload);
    const { iss, key } = choice;
    // One token per request: checked inline, the thread pool's hand-over would cost as much as the check.
    if (!(await signatureMatches(signingInput, signature, key.alg, key.key, true))) {
      return reject(
        "bad_signature",
        `signature does not verify with key "${kid}" of issuer "${iss}"`,
        header,
        payload,
      );
    }
    const claimsCheck = checkAccessClaims(payload, {
      issuer: iss,
      audience,
      clockToleranceSec,
      maxLifetimeSec,
      now,
    });
    if (!claimsCheck.ok) return reject("claims", claimsCheck.detail, header, payload);
    const claims = claimsCheck.claims;
    if (claims.exp + clockToleranceSec < now) {
      return reject(
        "expired",
        `exp ${claims.exp} is past (now ${now}, tolerance ${clockToleranceSec} s)`,
        header,
        payload,
      );
    }
    return { ok: true, token: claims };
  }

  return {
    async verify(token, verifyOptions = {}) {
      const now = verifyOptions.now ?? Math.floor(Date.now() / 1000);
      try {
        return await verify(token, now);
      } catch (error) {
        if (error instanceof KjpError) throw error;
        return reject(
          "malformed",
          `token could not be processed: ${(error as Error)?.message ?? String(error)}`,
        );
      }
    },
  };
}

function reject(
  reason: AccessRejectionReason,
  detail: string,
  header?: Record<string, unknown>,
  payload?: Record<string, unknown>,
): AccessVerifyResult {
  const rejection: AccessRejection = { reason, detail };
  if (header || payload) {
    const { iss, jti, sub, aud, kid, alg } = unverifiedView(header, payload);
    const view = Object.fromEntries(
      Object.entries({ iss, jti, sub, aud, kid, alg }).filter(([, v]) => v !== undefined),
    ) as AccessRejection["unverified"];
    rejection.unverified = view;
  }
  return { ok: false, rejection };
}
