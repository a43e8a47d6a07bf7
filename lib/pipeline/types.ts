import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { VerifyResult } from "../envelope/types.js";
import type { ProcessorRegistry } from "../effects/processor.js";
import type { Notifier } from "../effects/processor.js";
import type { RecordReport } from "./outcome.js";
import type { PipelineSettings } from "./settings.js";

export type VerifyFn = (token: Uint8Array) => Promise<VerifyResult>;

export interface PipelineObserver {
  /** Time spent verifying one record (signature, claims, schema). */
  verified?(ms: number): void;
  transaction?(event: {
    items: number;
    units: number;
    ms: number;
    outcome: "committed" | "cancelled" | "error";
  }): void;
  prefetched?(event: { keys: number; found: number; ms: number }): void;
  /** The batch's per-minute outcome counters: written (`writes` UpdateItems), or not (`error` says why). */
  outcomeCounters?(event: { writes: number; ms: number; error?: string }): void;
}

export interface PipelineDeps {
  verify: VerifyFn;
  processors: ProcessorRegistry;
  dynamodb: DynamoDBClient;
  ledgerTable: string;
  projectionsTable: string;
  notifier?: Notifier;
  settings?: Partial<PipelineSettings>;
  observer?: PipelineObserver;
  /** ms since epoch. */
  now?: () => number;
}

export interface BatchResult {
  response: KinesisStreamBatchResponse;
  reports: RecordReport[];
}

export interface BatchPipeline {
  /** Never throws for a record-level problem: every record ends in a report, unfinished ones in the response. */
  process(event: KinesisStreamEvent, options?: ProcessOptions): Promise<BatchResult>;
}

export interface ProcessOptions {
  /**
   * The invocation's remaining time (Lambda's context.getRemainingTimeInMillis). When it drops below the
   * settings' margin, no new record or transaction is started: the rest is reported unfinished, so a batch
   * too big for the timeout still moves the checkpoint forward instead of timing out whole, again and again.
   */
  remainingMs?: () => number;
  /**
   * Replay only: by index in the event, the sub-sequence number of a record that is a user record already
   * taken out of its KPL aggregate (so it keeps its position and is not unpacked again).
   */
  subSequenceNumbers?: readonly (number | undefined)[];
  /**
   * How this call treats parked partition keys (park.ts): `live` (the consumer, the default) parks behind a
   * parked key and parks a key whose record exhausted its attempts; `append` (replay from the on-failure
   * destination, the ledger, logs) only parks behind keys already parked; `drain` applies the parked records
   * it is given and parks nothing.
   */
  parking?: ParkingMode;
}

export type ParkingMode = "live" | "append" | "drain";
