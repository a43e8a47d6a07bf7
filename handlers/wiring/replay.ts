import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { optionalSetting } from "../../lib/config/env.js";
import { horizonFromEnv, replayDrainConfigFromEnv } from "../../lib/config/replay-config.js";
import type { ReplayEngineDeps } from "../../lib/replay/engine.js";
import { engineDepsFromPipelineDeps } from "../../lib/replay/replay-deps.js";
import { createReplayHandler, type ReplayHandler } from "../../lib/replay/replay-handler.js";
import { consumerDepsFromEnv } from "./consumer.js";

/** Everything replay needs, from the consumer's own environment (same tables, key sets, settings) + the horizon. */
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

/**
 * The scheduled replay Lambda from the environment, checked at cold start: the consumer's own settings (tables,
 * issuers, audience, pipeline settings) plus the replay's (config/replay-config.ts).
 */
export function replayHandlerFromEnv(env: NodeJS.ProcessEnv): ReplayHandler {
  const drain = replayDrainConfigFromEnv(env);
  const logger = new Logger({ serviceName: optionalSetting(env, "POWERTOOLS_SERVICE_NAME") ?? "kjp-replay" });
  const engine = replayEngineDepsFromEnv(env, dynamoDbClient(), { logger });
  const metrics = new Metrics({
    namespace: optionalSetting(env, "POWERTOOLS_METRICS_NAMESPACE") ?? "kjp",
    serviceName: optionalSetting(env, "POWERTOOLS_SERVICE_NAME") ?? "kjp-replay",
  });
  return createReplayHandler(
    { sqs: sqsClient(), kinesis: kinesisClient(), engine, ...drain },
    logger,
    metrics,
  );
}
