import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { readRange } from "./range-reader.js";
import { compareSequenceNumbers } from "../kinesis/sequence.js";
import type { Provenance, ReplayCandidate, ReplayRecord } from "./types.js";

/** A transient failure as the ledger or a log line records it: where the record sat, and its key. */
export interface FailedPosition {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  failedAt?: string;
  reason?: string;
}

/**
 * Which records of a shard to replay for a set of transient failures: every record of a failed partition
 * key from its first failure on. The pipeline stops a key at its first transient failure, and the records
 * after it are only redelivered by the stream, never logged or written to the ledger, so a replay that took
 * only the failed records would leave the rest of the key unapplied. Records of other keys are left out.
 */
export function selectFollowUps(
  records: readonly ReplayRecord[],
  failures: readonly FailedPosition[],
): ReplayRecord[] {
  const firstByKey = new Map<string, string>();
  for (const f of failures) {
    const seen = firstByKey.get(f.partitionKey);
    if (seen === undefined || compareSequenceNumbers(f.sequenceNumber, seen) < 0)
      firstByKey.set(f.partitionKey, f.sequenceNumber);
  }
  return records.filter((r) => {
    const first = firstByKey.get(r.partitionKey);
    return first !== undefined && compareSequenceNumbers(r.sequenceNumber, first) >= 0;
  });
}

/**
 * One candidate per shard: the shard re-read from its earliest failure to its end (or to `untilMs`), keeping
 * the failed keys' records. A start no longer in the stream is reported unrecoverable (trimmed).
 */
export async function followUpCandidates(
  kinesis: KinesisClient,
  streamName: string,
  failures: readonly FailedPosition[],
  provenance: Provenance,
  untilMs?: number,
): Promise<ReplayCandidate[]> {
  const byShard = new Map<string, FailedPosition[]>();
  for (const f of failures) byShard.set(f.shardId, [...(byShard.get(f.shardId) ?? []), f]);
  const candidates: ReplayCandidate[] = [];
  for (const [shardId, list] of [...byShard].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const start = list.reduce(
      (min, f) => (compareSequenceNumbers(f.sequenceNumber, min) < 0 ? f.sequenceNumber : min),
      list[0]!.sequenceNumber,
    );
    const range = { streamName, shardId, startSequenceNumber: start, endSequenceNumber: "" };
    const read = await readRange(kinesis, range, untilMs === undefined ? {} : { untilMs });
    const earliest = list
      .map((f) => f.failedAt)
      .filter((t): t is string => !!t)
      .sort()[0];
    const candidate: ReplayCandidate = {
      id: `${provenance.source}:${shardId}:${start}+`,
      provenance,
      range,
      records: selectFollowUps(read.records, list),
      ...(earliest ? { failedAt: earliest } : {}),
      ...(list[0]?.reason ? { reason: list[0].reason } : {}),
    };
    if (!read.ok) candidate.unrecoverable = read.unrecoverable;
    candidates.push(candidate);
  }
  return candidates;
}
