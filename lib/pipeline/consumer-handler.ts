import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import middy from "@middy/core";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { dynamoDbClient } from "../aws/clients.js";
import { consumerConfigFromEnv } from "../config/consumer-config.js";
import { createVerifier, type Verifier } from "../envelope/verify.js";
import { verifierOptionsFromEnv } from "../envelope/config.js";
import { createBatchTelemetry } from "./batch-telemetry.js";
import { createBatchPipeline, type PipelineDeps, type VerifyFn } from "./pipeline.js";
import { reportBatch } from "./report-batch.js";
import { createProcessorRegistry } from "../../processors/index.js";
import type { Notifier } from "../../processors/types.js";
import { registry } from "../../schemas/index.js";

export type ConsumerHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse>;

export interface ConsumerHandlerDeps extends Omit<PipelineDeps, "observer"> {
  logger: Logger;
  metrics: Metrics;
}

/**
 * The consumer Lambda handler (handlers/consumer.ts only instantiates it), thin on purpose: middy + Powertools logger (structured JSON) and metrics (EMF)
 * around the pipeline. Record-level trouble never throws: it ends in the ledger, a log line and
 * batchItemFailures.
 */
export function createConsumerHandler(deps: ConsumerHandlerDeps): ConsumerHandler {
  const { logger, metrics, ...pipelineDeps } = deps;
  const base = async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const telemetry = createBatchTelemetry();
    const pipeline = createBatchPipeline({ ...pipelineDeps, observer: telemetry.observer });
    const result = await pipeline.process(
      event,
      typeof context?.getRemainingTimeInMillis === "function"
        ? { remainingMs: () => context.getRemainingTimeInMillis() }
        : {},
    );
    reportBatch(result, telemetry.summary(), logger, metrics);
    return result.response;
  };
  return middy(base)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true })) as unknown as ConsumerHandler;
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

/**
 * The pipeline's verify step over a verifier. `expGraceSec` widens the exp check and nothing else (replay's
 * horizon); the live consumer uses 0.
 */
export function verifyWith(verifier: Verifier, expGraceSec = 0): VerifyFn {
  return expGraceSec > 0
    ? (token) => verifier.verify(token, { expGraceSec })
    : (token) => verifier.verify(token);
}

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
  const config = consumerConfigFromEnv(env);
  const verifier = createVerifier(verifierOptionsFromEnv(env, registry));
  const logger = options.logger ?? new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? "kjp-consumer" });
  const metrics = new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? "kjp",
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? "kjp-consumer",
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
