import { CompactSign, importJWK, type JWK } from "jose";
import { KjpError } from "../errors/kjp-error.js";
import type { CryptoKey } from "./keysets/key-set.js";
import {
  DEFAULT_MAX_TOKEN_BYTES,
  DEFAULT_TTL_SEC,
  MAX_JTI_LENGTH,
  MAX_SUB_LENGTH,
  MAX_TYPE_LENGTH,
  TYPE_PATTERN,
} from "./limits.js";
import { TOKEN_TYP, type Algorithm, type EnvelopeClaims } from "./types.js";
import { uuidv7 } from "./uuidv7.js";

export interface SignerOptions {
  /** The producer's private key as a JWK, carrying its kid and alg. */
  privateJwk: JWK;
  issuer: string;
  audience: string;
  /** Token lifetime; default 7 days (must cover stream retention plus retries). */
  ttlSeconds?: number;
}

export interface SignInput {
  type: string;
  v: number;
  data: Record<string, unknown>;
  sub?: string;
  /** Default: a fresh UUIDv7. */
  jti?: string;
  /** Seconds since the epoch; default the current time. */
  now?: number;
}

export interface Signer {
  readonly kid: string;
  readonly alg: Algorithm;
  sign(input: SignInput): Promise<string>;
}

const encoder = new TextEncoder();

/** A message the producer must not send: fix the input, retrying will not help. */
export class InvalidMessageError extends KjpError {
  constructor(message: string, hint?: string) {
    super("invalid_message", message, { hint, retryable: false });
  }
}

/**
 * The producer side of contract v1. Refuses, before signing, anything the verifier would reject for shape,
 * so a producer learns about a bad message at the call site rather than from a consumer's ledger.
 */
export async function createSigner(options: SignerOptions): Promise<Signer> {
  const { privateJwk, issuer, audience } = options;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SEC;
  const alg = privateJwk?.alg as Algorithm | undefined;
  const kid = privateJwk?.kid;
  if (alg !== "ES256" && alg !== "EdDSA" && alg !== "HS256") {
    throw new KjpError("invalid_key", `signing key alg ${JSON.stringify(alg)} is not ES256, EdDSA or HS256`, {
      hint: "generate a key with `kjp keys generate`",
    });
  }
  if (typeof kid !== "string" || kid.length === 0)
    throw new KjpError("invalid_key", "signing key has no kid");
  if (alg !== "HS256" && typeof privateJwk.d !== "string")
    throw new KjpError("invalid_key", `key "${kid}" is not a private key`);
  if (!issuer) throw new KjpError("invalid_key", "the signer needs an issuer");
  if (!audience) throw new KjpError("invalid_key", "the signer needs an audience");
  if (!Number.isSafeInteger(ttl) || ttl <= 0)
    throw new KjpError("invalid_key", `ttlSeconds must be a positive integer, got ${ttl}`);
  let key: CryptoKey | Uint8Array;
  try {
    key = (await importJWK({ ...privateJwk, ext: false }, alg)) as CryptoKey | Uint8Array;
  } catch (cause) {
    throw new KjpError(
      "invalid_key",
      `signing key "${kid}" cannot be imported: ${(cause as Error).message}`,
      { cause },
    );
  }
  const header = { alg, kid, typ: TOKEN_TYP };

  return {
    kid,
    alg,
    async sign(input: SignInput): Promise<string> {
      checkInput(input);
      const iat = Math.floor(input.now ?? Date.now() / 1000);
      // Claim order is fixed (iss aud iat exp jti type v data sub) so both producers emit the same bytes.
      const claims: EnvelopeClaims = {
        iss: issuer,
        aud: audience,
        iat,
        exp: iat + ttl,
        jti: input.jti ?? uuidv7(iat * 1000),
        type: input.type,
        v: input.v,
        data: input.data,
      };
      if (input.sub !== undefined) claims.sub = input.sub;
      const token = await new CompactSign(encoder.encode(JSON.stringify(claims)))
        .setProtectedHeader(header)
        .sign(key);
      if (token.length > DEFAULT_MAX_TOKEN_BYTES) {
        throw new InvalidMessageError(
          `signed message is ${token.length} bytes, above the ${DEFAULT_MAX_TOKEN_BYTES}-byte Kinesis record limit`,
          "send less data per message",
        );
      }
      return token;
    },
  };
}

function checkInput(input: SignInput): void {
  const { type, v, data, sub, jti } = input;
  if (typeof type !== "string" || type.length > MAX_TYPE_LENGTH || !TYPE_PATTERN.test(type)) {
    throw new InvalidMessageError(
      `type ${JSON.stringify(type)} is not a lowercase dotted name such as "contact.upserted"`,
    );
  }
  if (!Number.isSafeInteger(v) || v < 1)
    throw new InvalidMessageError(`v ${JSON.stringify(v)} is not a positive integer`);
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new InvalidMessageError("data is not a JSON object");
  if (sub !== undefined && (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUB_LENGTH)) {
    throw new InvalidMessageError(`sub is not a string of 1-${MAX_SUB_LENGTH} characters`);
  }
  if (jti !== undefined && (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_LENGTH)) {
    throw new InvalidMessageError(`jti is not a string of 1-${MAX_JTI_LENGTH} characters`);
  }
}
