import { ConfigurationError } from "../errors/kjp-error.js";
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from "../pipeline/settings.js";

/**
 * The consumer's settings from the environment, checked at cold start: a missing or wrong setting is a
 * ConfigurationError naming it, before any record is touched. (Audience and issuers are read by
 * verifierOptionsFromEnv; they are checked here too so one call reports every required setting.)
 */
export interface ConsumerConfig {
  ledgerTable: string;
  projectionsTable: string;
  audience: string;
  settings: PipelineSettings;
}

const required = (env: NodeJS.ProcessEnv, name: string, hint: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`${name} is not set`, hint);
  return value;
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw))
    throw new ConfigurationError(
      `${name} must be a whole number, got "${raw}"`,
      `use a value from ${min} to ${max}`,
    );
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigurationError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (raw !== "true" && raw !== "false")
    throw new ConfigurationError(`${name} must be "true" or "false", got "${raw}"`);
  return raw === "true";
}

export function consumerConfigFromEnv(env: NodeJS.ProcessEnv): ConsumerConfig {
  const ledgerTable = required(
    env,
    "KJP_LEDGER_TABLE",
    "set it to the ledger table's name (serverless.yml creates it)",
  );
  const projectionsTable = required(env, "KJP_PROJECTIONS_TABLE", "set it to the projections table's name");
  const audience = required(env, "KJP_AUDIENCE", "set it to this pipeline's name, e.g. crm-pipeline");
  required(env, "KJP_ISSUERS", 'set it to JSON like [{"issuer":"crm-rails","keys":"ssm:/kjp/prod/jwks"}]');
  const d = DEFAULT_PIPELINE_SETTINGS;
  const ttlDays = integer(env, "KJP_LEDGER_TTL_DAYS", d.ledgerTtlSeconds / 86_400, 1, 3650);
  return {
    ledgerTable,
    projectionsTable,
    audience,
    settings: {
      keyConcurrency: integer(env, "KJP_KEY_CONCURRENCY", d.keyConcurrency, 1, 1024),
      commitConcurrency: integer(env, "KJP_COMMIT_CONCURRENCY", d.commitConcurrency, 1, 64),
      maxItemsPerTransaction: integer(env, "KJP_MAX_TRANSACTION_ITEMS", d.maxItemsPerTransaction, 2, 100),
      maxCommitAttempts: integer(env, "KJP_MAX_COMMIT_ATTEMPTS", d.maxCommitAttempts, 1, 20),
      ledgerTtlSeconds: ttlDays * 86_400,
      claimLeaseMs: integer(env, "KJP_CLAIM_LEASE_SECONDS", d.claimLeaseMs / 1000, 1, 900) * 1000,
      rawMaxChars: integer(env, "KJP_RAW_MAX_CHARS", d.rawMaxChars, 0, 350_000),
      prefetch: flag(env, "KJP_DEDUPE_PREFETCH", d.prefetch),
      segmentRecords: integer(env, "KJP_SEGMENT_RECORDS", d.segmentRecords, 1, 100_000),
      deadlineMarginMs: integer(env, "KJP_DEADLINE_MARGIN_MS", d.deadlineMarginMs, 0, 600_000),
    },
  };
}
