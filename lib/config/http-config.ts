import type { JWK } from "jose";
import type { AccessTokenVerifierOptions } from "../envelope/access-token.js";
import type { PayloadValidator } from "../envelope/types.js";
import { ConfigurationError } from "../errors/kjp-error.js";
import { type Env, optionalSetting, requiredSetting, wholeNumberSetting } from "./env.js";
import { verifierOptionsFromEnv } from "./verifier-config.js";

/** The access token verifier has no payload schemas; the queue settings reader wants a validator anyway. */
const NO_SCHEMAS: PayloadValidator = {
  validate: () => ({ ok: false, reason: "unknown_type", detail: "access tokens carry no payload" }),
};

/**
 * The authorizer's verifier: KJP_HTTP_AUDIENCE (the HTTP API's audience, never the pipeline's), the trusted
 * issuers of KJP_ACCESS_ISSUERS (default KJP_ISSUERS: the same keys and rotation as queue messages), the
 * clock tolerance of KJP_CLOCK_TOLERANCE_S and KJP_ACCESS_MAX_LIFETIME_S (default and ceiling 3600).
 */
export function accessVerifierOptionsFromEnv(env: Env): AccessTokenVerifierOptions {
  const audience = requiredSetting(
    env,
    "KJP_HTTP_AUDIENCE",
    "set it to the HTTP API's audience, e.g. crm-http-api",
  );
  if (audience === optionalSetting(env, "KJP_AUDIENCE")) {
    throw new ConfigurationError(
      "KJP_HTTP_AUDIENCE equals KJP_AUDIENCE",
      "give the HTTP API its own audience so no queue message's audience opens it",
    );
  }
  const issuers = optionalSetting(env, "KJP_ACCESS_ISSUERS") ?? optionalSetting(env, "KJP_ISSUERS");
  const queue = verifierOptionsFromEnv({ ...env, KJP_AUDIENCE: audience, KJP_ISSUERS: issuers }, NO_SCHEMAS);
  const options: AccessTokenVerifierOptions = { audience, issuers: queue.issuers };
  if (queue.clockToleranceSec !== undefined) options.clockToleranceSec = queue.clockToleranceSec;
  const lifetime = wholeNumberSetting(env, "KJP_ACCESS_MAX_LIFETIME_S", undefined, 1, 3600, "seconds");
  if (lifetime !== undefined) options.maxLifetimeSec = lifetime;
  return options;
}

export interface AuthorizerConfig {
  verifier: AccessTokenVerifierOptions;
  /** How long a verified token's result is kept in the function's memory (never past the token's exp). */
  cacheSeconds: number;
  cacheEntries: number;
}

export function authorizerConfigFromEnv(env: Env): AuthorizerConfig {
  return {
    verifier: accessVerifierOptionsFromEnv(env),
    cacheSeconds: wholeNumberSetting(env, "KJP_AUTHORIZER_CACHE_S", 300, 0, 3600, "seconds"),
    cacheEntries: wholeNumberSetting(env, "KJP_AUTHORIZER_CACHE_ENTRIES", 10_000, 1, 1_000_000, "entries"),
  };
}

export interface NotesConfig {
  streamName: string;
  /** The pipeline's audience: notes become queue messages. */
  audience: string;
  /** The HTTP API's own issuer name: the consumer trusts it like any producer. */
  issuer: string;
  /** Where the API's private signing key is: `file:<path>`, `ssm:<parameter>` (SecureString) or inline JSON. */
  signingKeySource: string;
}

export function notesConfigFromEnv(env: Env): NotesConfig {
  return {
    streamName: requiredSetting(env, "KJP_STREAM_NAME", "set it to the stream the consumer reads"),
    audience: requiredSetting(env, "KJP_AUDIENCE", "set it to the pipeline's audience"),
    issuer: requiredSetting(env, "KJP_HTTP_ISSUER", "set it to the API's issuer name, e.g. crm-http-api"),
    signingKeySource: requiredSetting(
      env,
      "KJP_HTTP_SIGNING_KEY",
      "set it to file:<private JWK>, ssm:<SecureString parameter> or the JWK's JSON",
    ),
  };
}

export function projectionsTableFromEnv(env: Env): string {
  return requiredSetting(env, "KJP_PROJECTIONS_TABLE", "set it to the projections table's name");
}

/** Parses a private JWK from its JSON text; the text is never quoted back (it holds the private key). */
export function parsePrivateJwk(text: string, where: string): JWK {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${where} is not JSON`, "expected one private JWK with kid and alg");
  }
  if (typeof jwk !== "object" || jwk === null || typeof (jwk as JWK).d !== "string") {
    throw new ConfigurationError(
      `${where} is not a private JWK`,
      "expected one private JWK with kid, alg and d",
    );
  }
  return jwk as JWK;
}
