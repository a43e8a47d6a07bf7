import { CompactSign, importJWK, type JWK } from "jose";
import { KjpError } from "../errors/kjp-error.js";
import { ACCESS_DEFAULT_TTL_SEC, ACCESS_MAX_LIFETIME_SEC } from "./access-limits.js";
import { ACCESS_TOKEN_TYP } from "./types.js";
import { uuidv7 } from "./uuidv7.js";

export interface AccessTokenSignerOptions {
  privateJwk: JWK;
  issuer: string;
  /** The HTTP API's audience. */
  audience: string;
}

export interface AccessTokenInput {
  sub: string;
  account: string;
  scopes: string[];
  /** Default 300 s; at most 3600. */
  ttlSeconds?: number;
  now?: number;
  jti?: string;
}

export interface AccessTokenSigner {
  sign(input: AccessTokenInput): Promise<string>;
}

/**
 * The TypeScript twin of the gem's `KinesisJwtPipeline.access_token`, for tests, benchmarks and the local
 * demo. Claim order matches the gem (iss aud iat exp jti sub account scope).
 */
export async function createAccessTokenSigner(options: AccessTokenSignerOptions): Promise<AccessTokenSigner> {
  const { privateJwk, issuer, audience } = options;
  const alg = privateJwk.alg;
  if (alg !== "ES256" && alg !== "EdDSA") {
    throw new KjpError("invalid_key", `access tokens are signed with ES256 or EdDSA, not ${String(alg)}`);
  }
  if (typeof privateJwk.kid !== "string" || !privateJwk.kid)
    throw new KjpError("invalid_key", "signing key has no kid");
  const key = await importJWK({ ...privateJwk, ext: false }, alg);
  const header = { alg, kid: privateJwk.kid, typ: ACCESS_TOKEN_TYP };
  return {
    async sign(input) {
      const ttl = input.ttlSeconds ?? ACCESS_DEFAULT_TTL_SEC;
      if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > ACCESS_MAX_LIFETIME_SEC) {
        throw new KjpError(
          "invalid_access_token",
          `ttlSeconds must be 1-${ACCESS_MAX_LIFETIME_SEC}, got ${ttl}`,
        );
      }
      const iat = Math.floor(input.now ?? Date.now() / 1000);
      const claims = {
        iss: issuer,
        aud: audience,
        iat,
        exp: iat + ttl,
        jti: input.jti ?? uuidv7(iat * 1000),
        sub: input.sub,
        account: input.account,
        scope: input.scopes.join(" "),
      };
      return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
        .setProtectedHeader(header)
        .sign(key);
    },
  };
}
