/** What batch selection needs to know about a queued entry. */
export interface BatchCandidate {
  /** Publish order; the queue is sorted by it. */
  seq: number;
  partitionKey: string;
  /** Partition key + data, as Kinesis counts it. */
  bytes: number;
  /** Not sendable before this time (a retry waiting out its backoff). */
  notBefore: number;
}

export interface BatchLimits {
  maxRecords: number;
  maxBytes: number;
  /**
   * At most one entry per partition key in a request. PutRecords does not stop at a failed entry, so with
   * two entries of one key in a request the second can be written while the first fails and is retried:
   * one per key is the only way to guarantee per-key order.
   */
  onePerKey: boolean;
}

export interface Batch<E> {
  entries: E[];
  bytes: number;
  /** The batch hit a limit: sending it now cannot be improved by waiting. */
  full: boolean;
}

/**
 * Picks the next PutRecords request from the queue, in publish order, without letting any entry overtake an
 * earlier entry of its partition key: once an entry of a key is skipped (still backing off, too big for the
 * remaining room, or its key has a request in flight), every later entry of that key is skipped too.
 */
export function selectBatch<E extends BatchCandidate>(
  queue: readonly E[],
  blockedKeys: { has(key: string): boolean },
  now: number,
  limits: BatchLimits,
): Batch<E> {
  const held = new Set<string>();
  const entries: E[] = [];
  let bytes = 0;
  let full = false;
  for (const entry of queue) {
    if (entries.length >= limits.maxRecords) {
      full = true;
      break;
    }
    const key = entry.partitionKey;
    if (held.has(key) || blockedKeys.has(key)) continue;
    if (entry.notBefore > now) {
      held.add(key);
      continue;
    }
    if (bytes + entry.bytes > limits.maxBytes) {
      held.add(key);
      full = true;
      continue;
    }
    entries.push(entry);
    bytes += entry.bytes;
    if (limits.onePerKey) held.add(key);
  }
  return { entries, bytes, full };
}

/** Inserts `entry` at its publish-order position (retries go back in front of later entries). */
export function insertBySeq<E extends BatchCandidate>(queue: E[], entry: E): void {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (queue[mid]!.seq < entry.seq) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, entry);
}
