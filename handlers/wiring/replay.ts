import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { optionalSetting } from "../../lib/config/env.js";
import { replayDrainConfigFromEnv } from "../../lib/config/replay-config.js";
import { createReplayHandler, type ReplayHandler } from "../../lib/replay/replay-handler.js";
import { replayEngineDepsFromEnv } from "./replay-engine.js";

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
