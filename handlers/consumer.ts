import {
  consumerDepsFromEnv,
  createConsumerHandler,
  type ConsumerHandler,
} from "../lib/pipeline/consumer-handler.js";

/**
 * The Kinesis consumer Lambda: configuration from the environment, checked at cold start (a missing or wrong
 * setting fails initialisation with a ConfigurationError naming it), then middy + Powertools around
 * lib/pipeline. Everything else lives in lib/pipeline/consumer-handler.ts, so tests, the CLI and benchmarks
 * can build the same handler with their own dependencies.
 */
export const handler: ConsumerHandler = createConsumerHandler(consumerDepsFromEnv(process.env));
