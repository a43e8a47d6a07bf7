import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createProcessorRegistry } from "../../processors/index.js";
import type { Notifier } from "../../lib/effects/processor.js";
import { registry } from "../../schemas/index.js";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { consumerConfigFromEnv } from "../../lib/config/consumer-config.js";
import { createVerifier } from "../../lib/envelope/verify.js";
import type { ConsumerHandlerDeps } from "../../lib/pipeline/consumer-handler.js";
import { verifyWith } from "../../lib/pipeline/verify-with.js";
import { optionalSetting } from "../../lib/config/env.js";

export interface ConsumerDepsOptions {
  /** Seconds past `exp` still accepted (replay's horizon); default 0, the live path. */
  expGraceSec?: number;
  /** Default: a Powertools logger named by POWERTOOLS_SERVICE_NAME (else `kjp-consumer`). */
  logger?: Logger;
}

/**
 * Everything the handler needs, from the environment; throws ConfigurationError naming a wrong setting. Replay
 * builds its pipeline from the same deps (with `expGraceSec`), so the two cannot drift apart.
 */
export function consumerDepsFromEnv(
  env: NodeJS.ProcessEnv,
  client: DynamoDBClient = dynamoDbClient(),
  options: ConsumerDepsOptions = {},
): ConsumerHandlerDeps {
  const config = consumerConfigFromEnv(env, registry);
  const verifier = createVerifier(config.verifier);
  const logger =
    options.logger ??
    new Logger({ serviceName: optionalSetting(env, "POWERTOOLS_SERVICE_NAME") ?? "kjp-consumer" });
  const metrics = new Metrics({
    namespace: optionalSetting(env, "POWERTOOLS_METRICS_NAMESPACE") ?? "kjp",
    serviceName: optionalSetting(env, "POWERTOOLS_SERVICE_NAME") ?? "kjp-consumer",
  });
  return {
    verify: verifyWith(verifier, options.expGraceSec),
    processors: createProcessorRegistry(),
    dynamodb: client,
    ledgerTable: config.ledgerTable,
    projectionsTable: config.projectionsTable,
    notifier: loggingNotifier(logger),
    settings: config.settings,
    logger,
    metrics,
  };
}

/** Side effects outside DynamoDB go through here; in this sample, notifications are log lines. */
export function loggingNotifier(logger: Logger): Notifier {
  return {
    async notify(notification) {
      logger.info("notification", {
        notification: { ...notification, body: notification.body.slice(0, 500) },
      });
    },
  };
}
