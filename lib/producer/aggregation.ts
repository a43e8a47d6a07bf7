import type { PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import { aggregateOverhead, encodeAggregate, userRecordOverhead } from "../kinesis/aggregated-record.js";
import { AGGREGATE_LIMITS } from "../kinesis/aggregation.js";
import type { Batch, BatchCandidate } from "./batching.js";
import { KINESIS_MAX_RECORD_BYTES } from "./limits.js";

/**
 * KPL aggregation for the publisher (`aggregate: true`): the user records of one partition key that are ready
 * together are packed into one Kinesis record (docs/contract.md §1.1), so a shard's 1,000 records/s carry many
 * more messages. A request holds at most one aggregate per key, in publish order, so per-key order is kept the
 * same way `strictOrder` keeps it: nothing of a key is written while an earlier part of it may still fail.
 */

/** KPL's default aggregate size bound (AggregationMaxSize). */
export const DEFAULT_MAX_AGGREGATE_BYTES = 51_200;

export interface AggregateLimits {
  /** Kinesis records per request. */
  maxRecords: number;
  /** Bytes per request (every record's partition key + data). */
  maxBytes: number;
  /** Bytes per aggregate, partition key included. */
  maxAggregateBytes: number;
}

export interface AggregateCandidate extends BatchCandidate {
  token: Uint8Array;
}

export interface AggregatedBatch<E> extends Batch<E> {
  /** One entry per Kinesis record of the request, each the user records of one key in publish order. */
  groups: E[][];
}

interface Open<E> {
  entries: E[];
  /** What the group counts as now (plain while it holds one entry). */
  bytes: number;
  /** Σ of the user records' packed sizes, so growing a group costs O(1). */
  packed: number;
}

const packedSize = (token: Uint8Array) => token.byteLength + userRecordOverhead(token.byteLength);

/** Bytes a group of `entries` of `partitionKey` will count as once packed (partition key + data), at most. */
export function groupBytes(partitionKey: string, tokens: readonly Uint8Array[]): number {
  if (tokens.length === 1) return Buffer.byteLength(partitionKey, "utf8") + tokens[0]!.byteLength;
  return (
    Buffer.byteLength(partitionKey, "utf8") +
    aggregateOverhead(partitionKey) +
    tokens.reduce((sum, t) => sum + t.byteLength + userRecordOverhead(t.byteLength), 0)
  );
}

/**
 * Picks the next request from the queue in publish order. Entries of a key join that key's one group while it
 * stays within the aggregate bounds; once a key is skipped (backing off, blocked, or its group is full) every
 * later entry of the key waits for the next request.
 */
export function selectAggregatedBatch<E extends AggregateCandidate>(
  queue: readonly E[],
  blockedKeys: { has(key: string): boolean },
  now: number,
  limits: AggregateLimits,
): AggregatedBatch<E> {
  const held = new Set<string>();
  const open = new Map<string, Open<E>>();
  let bytes = 0;
  let full = false;
  for (const entry of queue) {
    const key = entry.partitionKey;
    if (held.has(key) || blockedKeys.has(key)) continue;
    if (entry.notBefore > now) {
      held.add(key);
      continue;
    }
    const group = open.get(key);
    if (!group) {
      const size = groupBytes(key, [entry.token]);
      if (open.size >= limits.maxRecords || bytes + size > limits.maxBytes) {
        held.add(key);
        full = true;
        continue;
      }
      open.set(key, { entries: [entry], bytes: size, packed: packedSize(entry.token) });
      bytes += size;
      continue;
    }
    const packed = group.packed + packedSize(entry.token);
    const size = Buffer.byteLength(key, "utf8") + aggregateOverhead(key) + packed;
    const grows = size - group.bytes;
    if (
      size > limits.maxAggregateBytes ||
      group.entries.length >= AGGREGATE_LIMITS.maxUserRecords ||
      bytes + grows > limits.maxBytes
    ) {
      // This key's aggregate is as big as it may be: sending it now cannot be improved by waiting.
      held.add(key);
      full = true;
      continue;
    }
    group.entries.push(entry);
    group.bytes = size;
    group.packed = packed;
    bytes += grows;
  }
  const groups = [...open.values()].map((g) => g.entries);
  return { entries: groups.flat(), groups, bytes, full };
}

/** The PutRecords entry of one group: a lone user record goes as a plain record, several as one aggregate. */
export function packGroup(group: readonly AggregateCandidate[]): PutRecordsRequestEntry {
  const partitionKey = group[0]!.partitionKey;
  if (group.length === 1) return { Data: group[0]!.token, PartitionKey: partitionKey };
  return {
    Data: encodeAggregate({
      partitionKeys: [partitionKey],
      records: group.map((e) => ({ partitionKeyIndex: 0, data: e.token })),
    }),
    PartitionKey: partitionKey,
  };
}

/** An aggregate is one Kinesis record. */
export const MAX_AGGREGATE_BYTES = KINESIS_MAX_RECORD_BYTES;
