import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ProcessorRegistry } from "../effects/processor.js";
import type { Notifier } from "../effects/processor.js";
import type { Verifier } from "../envelope/verify.js";
import { verifyWith } from "../pipeline/verify-with.js";
import { createBatchPipeline } from "../pipeline/pipeline.js";
import type { PipelineSettings } from "../pipeline/settings.js";
import type { PipelineDeps, VerifyFn } from "../pipeline/types.js";
import type { ReplayEngineDeps } from "./engine.js";

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
  processors: ProcessorRegistry;
  notifier?: Notifier;
  settings?: Partial<PipelineSettings>;
}

export function createReplayEngineDeps(options: ReplayPipelineOptions): ReplayEngineDeps {
  return engineDepsFromPipelineDeps({
    verify: replayVerify(options.verifier, options.horizonSec),
    processors: options.processors,
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
