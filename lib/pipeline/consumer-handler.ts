import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { createBatchTelemetry } from "./batch-telemetry.js";
import { createBatchPipeline } from "./pipeline.js";
import { reportBatch } from "./report-batch.js";
import type { PipelineDeps } from "./types.js";

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
