import type { PayloadValidator } from "../envelope/types.js";
import { checkIssuerName } from "../envelope/issuer-name.js";
import {
  KEY_SET_SOURCE_FORMS,
  loadKeySet,
  type LoadKeySetOptions,
} from "../envelope/keysets/load-key-set.js";
import type { TrustedIssuer } from "../envelope/token-key.js";
import type { VerifierOptions } from "../envelope/verify.js";
import { ConfigurationError, KjpError } from "../errors/kjp-error.js";
import { type Env, flagSetting, requiredSetting, wholeNumberSetting } from "./env.js";
import { inlineSignaturesFor } from "./signature-threads.js";

const ISSUERS_EXAMPLE = '[{"issuer":"crm-rails","keys":"file:keys/jwks.json"}]';

/**
 * Verifier settings from the environment (Lambda, CLI, local stack):
 * KJP_AUDIENCE, KJP_ISSUERS (JSON list of {issuer, keys}), KJP_CLOCK_TOLERANCE_S, KJP_MAX_LIFETIME_S,
 * KJP_ALLOW_HS256 ("true"), KJP_VERIFY_INLINE (signature-threads.ts), and the remote key set settings of
 * keySetOptionsFromEnv. Throws
 * ConfigurationError naming the setting that is wrong.
 */
export function verifierOptionsFromEnv(env: Env, validator: PayloadValidator): VerifierOptions {
  const audience = requiredSetting(env, "KJP_AUDIENCE", "set it to this pipeline's name, e.g. crm-pipeline");
  const rawIssuers = requiredSetting(env, "KJP_ISSUERS", `set it to JSON like ${ISSUERS_EXAMPLE}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawIssuers);
  } catch (cause) {
    throw new ConfigurationError("KJP_ISSUERS is not JSON", `expected JSON like ${ISSUERS_EXAMPLE}`, cause);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigurationError(
      "KJP_ISSUERS must be a non-empty JSON array",
      `expected JSON like ${ISSUERS_EXAMPLE}`,
    );
  }
  const keySetOptions = keySetOptionsFromEnv(env);
  const issuers: TrustedIssuer[] = parsed.map((entry: unknown, i) => {
    const { issuer, keys } = (entry ?? {}) as { issuer?: unknown; keys?: unknown };
    if (typeof issuer !== "string" || !issuer || typeof keys !== "string" || !keys) {
      throw new ConfigurationError(
        `KJP_ISSUERS[${i}] needs "issuer" and "keys" strings`,
        `expected JSON like ${ISSUERS_EXAMPLE}`,
      );
    }
    checkIssuerName(issuer, `KJP_ISSUERS[${i}]`);
    try {
      return { issuer, keySet: loadKeySet(keys, keySetOptions) };
    } catch (error) {
      const why = error instanceof KjpError ? error.message : String(error);
      throw new ConfigurationError(
        `KJP_ISSUERS[${i}] (issuer "${issuer}"): ${why}`,
        `keys is one of ${KEY_SET_SOURCE_FORMS}`,
        error,
      );
    }
  });

  const options: VerifierOptions = { audience, issuers, validator };
  const tolerance = wholeNumberSetting(env, "KJP_CLOCK_TOLERANCE_S", undefined, 0, undefined, "seconds");
  if (tolerance !== undefined) options.clockToleranceSec = tolerance;
  const lifetime = wholeNumberSetting(env, "KJP_MAX_LIFETIME_S", undefined, 0, undefined, "seconds");
  if (lifetime !== undefined) options.maxLifetimeSec = lifetime;
  const hs = flagSetting(env, "KJP_ALLOW_HS256", undefined);
  if (hs !== undefined) options.allowHS256 = hs;
  if (inlineSignaturesFor(env)) options.inlineSignatures = true;
  return options;
}

/**
 * Remote key set (SSM, Secrets Manager, HTTPS) settings; each unset one keeps its default
 * (docs/operations.md): KJP_KEYSET_FETCH_TIMEOUT_MS, KJP_KEYSET_CACHE_TTL_S, KJP_KEYSET_REFETCH_COOLDOWN_S,
 * KJP_KEYSET_FAILURE_COOLDOWN_S, KJP_KEYSET_MAX_STALENESS_S, KJP_KEYSET_MAX_BYTES.
 */
export function keySetOptionsFromEnv(env: Env): LoadKeySetOptions {
  const options: LoadKeySetOptions = {};
  const set = (key: Exclude<keyof LoadKeySetOptions, "now">, value: number | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  const count = (name: string, min: number, unit: string) =>
    wholeNumberSetting(env, name, undefined, min, undefined, unit);
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  set("fetchTimeoutMs", count("KJP_KEYSET_FETCH_TIMEOUT_MS", 1, "milliseconds"));
  set("cacheTtlMs", ms(count("KJP_KEYSET_CACHE_TTL_S", 0, "seconds")));
  set("cooldownMs", ms(count("KJP_KEYSET_REFETCH_COOLDOWN_S", 0, "seconds")));
  set("failureCooldownMs", ms(count("KJP_KEYSET_FAILURE_COOLDOWN_S", 0, "seconds")));
  set("maxStalenessMs", ms(count("KJP_KEYSET_MAX_STALENESS_S", 1, "seconds")));
  set("maxBytes", count("KJP_KEYSET_MAX_BYTES", 1, "bytes"));
  return options;
}
