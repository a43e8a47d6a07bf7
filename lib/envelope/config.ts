import type { PayloadValidator } from "../../schemas/types.js";
import { ConfigurationError, KjpError } from "../errors/kjp-error.js";
import { checkIssuerName } from "./issuer-name.js";
import { KEY_SET_SOURCE_FORMS, loadKeySet, type LoadKeySetOptions } from "./keysets/load-key-set.js";
import type { TrustedIssuer, VerifierOptions } from "./verify.js";

const ISSUERS_EXAMPLE = '[{"issuer":"crm-rails","keys":"file:keys/jwks.json"}]';

/**
 * Verifier settings from the environment (Lambda, CLI, local stack):
 * KJP_AUDIENCE, KJP_ISSUERS (JSON list of {issuer, keys}), KJP_CLOCK_TOLERANCE_S, KJP_MAX_LIFETIME_S,
 * KJP_ALLOW_HS256 ("true"), and the remote key set settings of keySetOptionsFromEnv. Throws
 * ConfigurationError naming the setting that is wrong.
 */
export function verifierOptionsFromEnv(env: NodeJS.ProcessEnv, validator: PayloadValidator): VerifierOptions {
  const audience = env.KJP_AUDIENCE?.trim();
  if (!audience)
    throw new ConfigurationError(
      "KJP_AUDIENCE is not set",
      "set it to this pipeline's name, e.g. crm-pipeline",
    );

  const rawIssuers = env.KJP_ISSUERS?.trim();
  if (!rawIssuers)
    throw new ConfigurationError("KJP_ISSUERS is not set", `set it to JSON like ${ISSUERS_EXAMPLE}`);
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
  const tolerance = seconds(env, "KJP_CLOCK_TOLERANCE_S");
  if (tolerance !== undefined) options.clockToleranceSec = tolerance;
  const lifetime = seconds(env, "KJP_MAX_LIFETIME_S");
  if (lifetime !== undefined) options.maxLifetimeSec = lifetime;
  const hs = env.KJP_ALLOW_HS256?.trim();
  if (hs !== undefined && hs !== "") {
    if (hs !== "true" && hs !== "false")
      throw new ConfigurationError(`KJP_ALLOW_HS256 must be "true" or "false", got "${hs}"`);
    options.allowHS256 = hs === "true";
  }
  return options;
}

/**
 * Remote key set (SSM, Secrets Manager, HTTPS) settings; each unset one keeps its default
 * (docs/operations.md): KJP_KEYSET_FETCH_TIMEOUT_MS, KJP_KEYSET_CACHE_TTL_S, KJP_KEYSET_REFETCH_COOLDOWN_S,
 * KJP_KEYSET_FAILURE_COOLDOWN_S, KJP_KEYSET_MAX_STALENESS_S, KJP_KEYSET_MAX_BYTES.
 */
export function keySetOptionsFromEnv(env: NodeJS.ProcessEnv): LoadKeySetOptions {
  const options: LoadKeySetOptions = {};
  const set = (key: keyof LoadKeySetOptions, value: number | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("fetchTimeoutMs", positive(env, "KJP_KEYSET_FETCH_TIMEOUT_MS", "milliseconds"));
  set("cacheTtlMs", toMs(seconds(env, "KJP_KEYSET_CACHE_TTL_S")));
  set("cooldownMs", toMs(seconds(env, "KJP_KEYSET_REFETCH_COOLDOWN_S")));
  set("failureCooldownMs", toMs(seconds(env, "KJP_KEYSET_FAILURE_COOLDOWN_S")));
  set("maxStalenessMs", toMs(positive(env, "KJP_KEYSET_MAX_STALENESS_S")));
  set("maxBytes", positive(env, "KJP_KEYSET_MAX_BYTES", "bytes"));
  return options;
}

const toMs = (s: number | undefined) => (s === undefined ? undefined : s * 1000);

function positive(env: NodeJS.ProcessEnv, name: string, unit = "seconds"): number | undefined {
  const value = wholeNumber(env, name, unit);
  if (value === 0) throw new ConfigurationError(`${name} must be above 0`);
  return value;
}

function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  return wholeNumber(env, name, "seconds");
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, unit: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw))
    throw new ConfigurationError(`${name} must be a whole number of ${unit}, got "${raw}"`);
  return Number(raw);
}
