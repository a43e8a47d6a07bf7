import { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { optionalSetting } from "../../lib/config/env.js";
import { horizonFromEnv } from "../../lib/config/replay-config.js";
import type { ReplayEngineDeps } from "../../lib/replay/engine.js";
import { engineDepsFromPipelineDeps } from "../../lib/replay/replay-deps.js";
import { consumerDepsFromEnv } from "./consumer.js";

/**
 * Everything replay needs, from the consumer's own environment (same tables, key sets, settings) + the horizon.
 * In a module of its own, apart from the scheduled Lambda's wiring (replay.ts): `kjp replay` and the console
 * build an engine without loading the Kinesis and SQS clients that handler takes.
 */
export function replayEngineDepsFromEnv(
  env: NodeJS.ProcessEnv,
  dynamodb: DynamoDBClient,
  overrides: { horizonSec?: number; logger?: Logger } = {},
): ReplayEngineDeps & { horizonSec: number } {
  const horizonSec = overrides.horizonSec ?? horizonFromEnv(env);
  const logger =
    overrides.logger ??
    new Logger({ serviceName: optionalSetting(env, "POWERTOOLS_SERVICE_NAME") ?? "kjp-replay" });
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
