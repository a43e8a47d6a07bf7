import type { PayloadValidator } from "./types.js";
import { ConfigurationError, KjpError } from "../errors/kjp-error.js";
import { KEY_SET_SOURCE_FORMS, loadKeySet } from "./keysets/load-key-set.js";
import type { TrustedIssuer, VerifierOptions } from "./verify.js";

const ISSUERS_EXAMPLE = '[{"issuer":"crm-rails","keys":"file:keys/jwks.json"}]';

/**
 * Verifier settings from the environment (Lambda, CLI, local stack):
 * KJP_AUDIENCE, KJP_ISSUERS (JSON list of {issuer, keys}), KJP_CLOCK_TOLERANCE_S, KJP_MAX_LIFETIME_S,
 * KJP_ALLOW_HS256 ("true"). Throws ConfigurationError naming the setting that is wrong.
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
  const issuers: TrustedIssuer[] = parsed.map((entry: unknown, i) => {
    const { issuer, keys } = (entry ?? {}) as { issuer?: unknown; keys?: unknown };
    if (typeof issuer !== "string" || !issuer || typeof keys !== "string" || !keys) {
      throw new ConfigurationError(
        `KJP_ISSUERS[${i}] needs "issuer" and "keys" strings`,
        `expected JSON like ${ISSUERS_EXAMPLE}`,
      );
    }
    try {
      return { issuer, keySet: loadKeySet(keys) };
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

function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw))
    throw new ConfigurationError(`${name} must be a whole number of seconds, got "${raw}"`);
  return Number(raw);
}
