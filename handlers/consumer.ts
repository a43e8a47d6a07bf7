import { createConsumerHandler, type ConsumerHandler } from "../lib/pipeline/consumer-handler.js";
import { consumerDepsFromEnv } from "./wiring/consumer.js";

/**
 * The Kinesis consumer Lambda: configuration from the environment, checked at cold start (a missing or wrong
 * setting fails initialisation with a ConfigurationError naming it), then middy + Powertools around
 * lib/pipeline. The handler lives in lib/pipeline/consumer-handler.ts and its wiring in handlers/wiring/consumer.ts,
 * so tests, the CLI and benchmarks can build the same handler with their own dependencies.
 */
export const handler: ConsumerHandler = createConsumerHandler(consumerDepsFromEnv(process.env));
