import { MAX_INVOCATION_PAYLOAD_BYTES, eventBytes } from "./event-size.js";

/**
 * How many of the queued records go into the next invocation, and when to invoke. AWS invokes when the batch
 * is full (batch size), when the batching window has passed since the first queued record, or when the
 * payload would pass the 6 MB synchronous invocation limit; with no window, as soon as records are there.
 */
export interface BatchLimits {
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  maxPayloadBytes?: number;
}

/** Number of leading records (each given by its serialized size) that fit one invocation; at least one. */
export function batchLength(
  recordBytes: readonly number[],
  limits: Pick<BatchLimits, "batchSize" | "maxPayloadBytes">,
): number {
  const maxBytes = limits.maxPayloadBytes ?? MAX_INVOCATION_PAYLOAD_BYTES;
  let count = 0;
  let bytes = eventBytes([]);
  for (const size of recordBytes) {
    if (count >= limits.batchSize) break;
    const next = bytes + size + (count === 0 ? 0 : 1);
    // A lone record always goes: Kinesis caps a record at 1 MiB, so it always fits the 6 MB event on its own.
    if (count > 0 && next > maxBytes) break;
    bytes = next;
    count++;
  }
  return count;
}

export type BatchReadiness = { ready: true } | { ready: false; waitMs: number | undefined };

/**
 * Whether to invoke now. `waitMs` is how long until the window closes (undefined: nothing queued, so wait
 * for records). `flush` forces out whatever is queued (the reader reached the end of a closed shard).
 */
export function batchReadiness(
  recordBytes: readonly number[],
  firstQueuedAtMs: number | undefined,
  nowMs: number,
  limits: BatchLimits,
  flush = false,
): BatchReadiness {
  if (recordBytes.length === 0 || firstQueuedAtMs === undefined) return { ready: false, waitMs: undefined };
  if (flush || limits.maximumBatchingWindowInSeconds === 0) return { ready: true };
  if (recordBytes.length >= limits.batchSize) return { ready: true };
  if (batchLength(recordBytes, limits) < recordBytes.length) return { ready: true };
  const waitMs = firstQueuedAtMs + limits.maximumBatchingWindowInSeconds * 1000 - nowMs;
  return waitMs <= 0 ? { ready: true } : { ready: false, waitMs };
}

/** Lanes for a parallelization factor: records with the same partition key always share a lane (ordering per key). */
export function laneFor(partitionKey: string, lanes: number): number {
  if (lanes <= 1) return 0;
  // FNV-1a: stable across runs and processes, which a restart needs to keep keys on the same lane.
  let hash = 0x811c9dc5;
  for (let i = 0; i < partitionKey.length; i++) {
    hash ^= partitionKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % lanes;
}
