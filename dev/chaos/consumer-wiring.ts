import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { consumerConfigFromEnv } from "../../lib/config/consumer-config.js";
import type { ProcessorRegistry } from "../../lib/effects/processor.js";
import { createVerifier } from "../../lib/envelope/verify.js";
import type { ConsumerHandlerDeps } from "../../lib/pipeline/consumer-handler.js";
import { verifyWith } from "../../lib/pipeline/verify-with.js";
import type { ReplayEngineDeps } from "../../lib/replay/engine.js";
import { engineDepsFromPipelineDeps } from "../../lib/replay/replay-deps.js";
import { loggingNotifier } from "../../handlers/wiring/consumer.js";
import { createProcessorRegistry } from "../../processors/index.js";
import { createRegistry } from "../../schemas/index.js";
import type { SchemaRegistry } from "../../schemas/registry.js";
import { processSequenced, SEQUENCED_TYPE, sequencedV1 } from "./sequenced-message.js";

/** The shipped schemas plus the chaos run's own message type. */
export function chaosRegistry(): SchemaRegistry {
  return createRegistry().register(sequencedV1);
}

export function chaosProcessors(): ProcessorRegistry {
  return new Map([...createProcessorRegistry(), [SEQUENCED_TYPE, processSequenced]]);
}

/**
 * The consumer as handlers/wiring/consumer.ts builds it (same config reader, verifier, notifier, settings), with
 * the chaos message type registered and the processors given (the chaos run wraps them to inject errors).
 */
export function chaosConsumerDeps(
  env: NodeJS.ProcessEnv,
  dynamodb: DynamoDBClient,
  options: { processors?: ProcessorRegistry; expGraceSec?: number; logger?: Logger } = {},
): ConsumerHandlerDeps {
  const config = consumerConfigFromEnv(env, chaosRegistry());
  const logger = options.logger ?? new Logger({ serviceName: "kjp-consumer" });
  return {
    verify: verifyWith(createVerifier(config.verifier), options.expGraceSec),
    processors: options.processors ?? chaosProcessors(),
    dynamodb,
    ledgerTable: config.ledgerTable,
    projectionsTable: config.projectionsTable,
    notifier: loggingNotifier(logger),
    settings: config.settings,
    logger,
    metrics: new Metrics({ namespace: "kjp", serviceName: "kjp-consumer" }),
  };
}

/** What `kjp replay` builds from the environment (handlers/wiring/replay-engine.ts), with the chaos message type. */
export function chaosReplayDeps(
  env: NodeJS.ProcessEnv,
  dynamodb: DynamoDBClient,
  horizonSec: number,
): ReplayEngineDeps {
  const logger = new Logger({ serviceName: "kjp-replay", logLevel: "ERROR" });
  const {
    logger: _l,
    metrics: _m,
    ...pipelineDeps
  } = chaosConsumerDeps(env, dynamodb, {
    expGraceSec: horizonSec,
    logger,
  });
  return engineDepsFromPipelineDeps(pipelineDeps);
}
