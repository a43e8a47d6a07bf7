import { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createProcessorRegistry, type ProcessorRegistry } from "../../processors/index.js";
import type { Notifier } from "../../processors/types.js";
import type { Verifier } from "../envelope/verify.js";
import { ConfigurationError } from "../errors/kjp-error.js";
import { verifyWith } from "../pipeline/verify-with.js";
import { consumerDepsFromEnv } from "../wiring/consumer.js";
import { createBatchPipeline } from "../pipeline/pipeline.js";
import type { PipelineSettings } from "../pipeline/settings.js";
import type { PipelineDeps, VerifyFn } from "../pipeline/types.js";
import type { ReplayEngineDeps } from "./engine.js";

/** Default replay horizon: the producer's default token lifetime (7 days), so a week-old failure still replays. */
export const DEFAULT_REPLAY_HORIZON_SEC = 7 * 86_400;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "14d", "36h", "90m", "45s" or whole seconds; `name` is the setting, for the error. */
export function parseHorizon(text: string, name: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match)
    throw new ConfigurationError(
      `${name} "${text}" is not a duration`,
      "use e.g. 7d, 36h, 90m or a number of seconds",
    );
  return Number(match[1]) * UNITS[match[2] || "s"]!;
}

/** The replay horizon from KJP_REPLAY_HORIZON (default 7d). */
export function horizonFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.KJP_REPLAY_HORIZON?.trim();
  return raw ? parseHorizon(raw, "KJP_REPLAY_HORIZON") : DEFAULT_REPLAY_HORIZON_SEC;
}

/**
 * The verify step of replay: the consumer's verifier, with the exp window widened by the horizon and nothing
 * else (signature, issuer, audience, type, iat, lifetime are checked exactly as on the live path).
 */
export function replayVerify(verifier: Verifier, horizonSec: number): VerifyFn {
  return verifyWith(verifier, horizonSec);
}

export interface ReplayPipelineOptions {
  verifier: Verifier;
  horizonSec: number;
  dynamodb: DynamoDBClient;
  ledgerTable: string;
  projectionsTable: string;
  processors?: ProcessorRegistry;
  notifier?: Notifier;
  settings?: Partial<PipelineSettings>;
}

export function createReplayEngineDeps(options: ReplayPipelineOptions): ReplayEngineDeps {
  return engineDepsFromPipelineDeps({
    verify: replayVerify(options.verifier, options.horizonSec),
    processors: options.processors ?? createProcessorRegistry(),
    dynamodb: options.dynamodb,
    ledgerTable: options.ledgerTable,
    projectionsTable: options.projectionsTable,
    ...(options.notifier ? { notifier: options.notifier } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
}

/** The engine's deps around a pipeline built from `deps` (whose verify must already carry the horizon). */
export function engineDepsFromPipelineDeps(deps: PipelineDeps): ReplayEngineDeps {
  return {
    pipeline: createBatchPipeline(deps),
    verify: deps.verify,
    dynamodb: deps.dynamodb,
    ledgerTable: deps.ledgerTable,
  };
}

/** Everything replay needs, from the consumer's own environment (same tables, key sets, settings) + the horizon. */
export function replayEngineDepsFromEnv(
  env: NodeJS.ProcessEnv,
  dynamodb: DynamoDBClient,
  overrides: { horizonSec?: number; logger?: Logger } = {},
): ReplayEngineDeps & { horizonSec: number } {
  const horizonSec = overrides.horizonSec ?? horizonFromEnv(env);
  const logger = overrides.logger ?? new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? "kjp-replay" });
  // The consumer's own deps (same tables, key sets, processors, settings), only the exp window widened.
  const {
    logger: _logger,
    metrics: _metrics,
    ...pipelineDeps
  } = consumerDepsFromEnv(env, dynamodb, {
    expGraceSec: horizonSec,
    logger,
  });
  return { ...engineDepsFromPipelineDeps(pipelineDeps), horizonSec };
}
