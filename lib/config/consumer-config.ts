import type { PayloadValidator } from "../envelope/types.js";
import type { VerifierOptions } from "../envelope/verify.js";
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from "../pipeline/settings.js";
import { type Env, flagSetting, requiredSetting, wholeNumberSetting } from "./env.js";
import { deriveParkLimits } from "./park-limits.js";
import { verifierOptionsFromEnv } from "./verifier-config.js";

/**
 * The consumer's settings from the environment, checked at cold start: a missing or wrong setting is a
 * ConfigurationError naming it, before any record is touched. The verifier's settings (audience, issuers and
 * their key sets) are read here too, once, so one call checks every setting the consumer needs.
 */
export interface ConsumerConfig {
  ledgerTable: string;
  projectionsTable: string;
  verifier: VerifierOptions;
  settings: PipelineSettings;
}

export function consumerConfigFromEnv(env: Env, validator: PayloadValidator): ConsumerConfig {
  const ledgerTable = requiredSetting(
    env,
    "KJP_LEDGER_TABLE",
    "set it to the ledger table's name (serverless.yml creates it)",
  );
  const projectionsTable = requiredSetting(
    env,
    "KJP_PROJECTIONS_TABLE",
    "set it to the projections table's name",
  );
  const verifier = verifierOptionsFromEnv(env, validator);
  const d = DEFAULT_PIPELINE_SETTINGS;
  const ttlDays = wholeNumberSetting(env, "KJP_LEDGER_TTL_DAYS", d.ledgerTtlSeconds / 86_400, 1, 3650);
  // Lambda's limits come from the same serverless.yml parameters as the stream event's (-1 = unlimited).
  const park = deriveParkLimits(
    {
      maximumRetryAttempts: lambdaLimit(env, "KJP_LAMBDA_MAXIMUM_RETRY_ATTEMPTS", 10_000),
      maximumRecordAgeInSeconds: wholeNumberSetting(
        env,
        "KJP_LAMBDA_MAXIMUM_RECORD_AGE_SECONDS",
        -1,
        -1,
        604_800,
      ),
    },
    {
      parkAfterAttempts: wholeNumberSetting(env, "KJP_PARK_AFTER_ATTEMPTS", d.parkAfterAttempts, 1, 10_000),
      parkAfterAgeSeconds: wholeNumberSetting(
        env,
        "KJP_PARK_AFTER_AGE_SECONDS",
        d.parkAfterAgeSeconds,
        1,
        604_800,
      ),
    },
  );
  return {
    ledgerTable,
    projectionsTable,
    verifier,
    settings: {
      keyConcurrency: wholeNumberSetting(env, "KJP_KEY_CONCURRENCY", d.keyConcurrency, 1, 1024),
      commitConcurrency: wholeNumberSetting(env, "KJP_COMMIT_CONCURRENCY", d.commitConcurrency, 1, 64),
      maxItemsPerTransaction: wholeNumberSetting(
        env,
        "KJP_MAX_TRANSACTION_ITEMS",
        d.maxItemsPerTransaction,
        2,
        100,
      ),
      maxCommitAttempts: wholeNumberSetting(env, "KJP_MAX_COMMIT_ATTEMPTS", d.maxCommitAttempts, 1, 20),
      ledgerTtlSeconds: ttlDays * 86_400,
      claimLeaseMs: wholeNumberSetting(env, "KJP_CLAIM_LEASE_SECONDS", d.claimLeaseMs / 1000, 1, 900) * 1000,
      rawMaxChars: wholeNumberSetting(env, "KJP_RAW_MAX_CHARS", d.rawMaxChars, 0, 350_000),
      rawHeadChars: wholeNumberSetting(env, "KJP_RAW_HEAD_CHARS", d.rawHeadChars, 0, 65_536),
      callTimeoutMs: wholeNumberSetting(env, "KJP_DYNAMODB_CALL_TIMEOUT_MS", d.callTimeoutMs, 100, 600_000),
      prefetch: flagSetting(env, "KJP_DEDUPE_PREFETCH", d.prefetch),
      segmentRecords: wholeNumberSetting(env, "KJP_SEGMENT_RECORDS", d.segmentRecords, 1, 100_000),
      deadlineMarginMs: wholeNumberSetting(env, "KJP_DEADLINE_MARGIN_MS", d.deadlineMarginMs, 0, 600_000),
      responseReserveMs: d.responseReserveMs,
      maxTransactionsPerUnit: d.maxTransactionsPerUnit,
      counterTimeoutMs: wholeNumberSetting(env, "KJP_COUNTER_TIMEOUT_MS", d.counterTimeoutMs, 0, 60_000),
      ...park,
    },
  };
}

/** One of Lambda's stream limits: -1 (unlimited, also when unset) or a whole number up to `max`. */
function lambdaLimit(env: Env, name: string, max: number): number {
  return env[name]?.trim() === "-1" ? -1 : wholeNumberSetting(env, name, -1, 0, max);
}
