import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record,
} from "@aws-sdk/client-kinesis";
import { compareSequenceNumbers } from "../kinesis/sequence.js";
import type { ReplayRecord, ShardRange, Unrecoverable } from "./types.js";

export type RangeRead =
  | { ok: true; records: ReplayRecord[] }
  | { ok: false; unrecoverable: Unrecoverable; records: ReplayRecord[] };

export interface RangeReaderOptions {
  /** Open-ended read (no end sequence number): stop at records that arrived after this time (ms), or when caught up. */
  untilMs?: number;
  /** GetRecords calls before giving up on reaching the end of the range (empty reads included). */
  maxCalls?: number;
  /** Records per GetRecords call. */
  limit?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Decides, from what GetRecords returned so far, whether the range is complete, and if not, why. Pure, so
 * the bookkeeping is testable without a stream:
 * - the first record must be the start record itself; a later one means the start was trimmed (retention) or
 *   never existed in this shard;
 * - the end record must be reached; a shard that ends (or a stream that has nothing more) first means the
 *   range is incomplete.
 */
export function assessRange(
  range: ShardRange,
  sequenceNumbers: readonly string[],
  reachedEnd: boolean,
): Unrecoverable | undefined {
  const first = sequenceNumbers[0];
  if (first === undefined) {
    return {
      code: "range_not_found",
      detail: `no record at or after ${range.startSequenceNumber} in ${range.streamName}/${range.shardId}`,
    };
  }
  if (compareSequenceNumbers(first, range.startSequenceNumber) > 0) {
    return {
      code: "trimmed",
      detail: `the first record still in ${range.streamName}/${range.shardId} is ${first}, after the range start ${range.startSequenceNumber}: the start of the range is no longer in the stream (retention)`,
    };
  }
  const last = sequenceNumbers[sequenceNumbers.length - 1] as string;
  if (range.endSequenceNumber === "") return undefined;
  if (!reachedEnd && compareSequenceNumbers(last, range.endSequenceNumber) < 0) {
    return {
      code: "range_incomplete",
      detail: `read ${range.startSequenceNumber}…${last} of ${range.streamName}/${range.shardId} but not up to ${range.endSequenceNumber}`,
    };
  }
  return undefined;
}

/** Sorts an AWS error from GetShardIterator/GetRecords into an unrecoverable reason, or undefined if transient. */
export function unrecoverableFromError(range: ShardRange, error: unknown): Unrecoverable | undefined {
  const name = (error as { name?: string })?.name ?? "";
  const message = (error as Error)?.message ?? String(error);
  const where = `${range.streamName}/${range.shardId} ${range.startSequenceNumber}…${range.endSequenceNumber}`;
  if (name === "TrimmedDataAccessException") return { code: "trimmed", detail: `${where}: ${message}` };
  if (name === "ResourceNotFoundException") {
    // Emulators answer a sequence number they do not hold with ResourceNotFound ("Unable to find record…").
    const code = /sequence ?number|record/i.test(message)
      ? "range_not_found"
      : /shard/i.test(message)
        ? "shard_not_found"
        : "stream_not_found";
    return { code, detail: `${where}: ${message}` };
  }
  // A sequence number that is not in this shard (or malformed) is refused with InvalidArgumentException.
  if (name === "InvalidArgumentException" || name === "ValidationException")
    return { code: "range_not_found", detail: `${where}: ${message}` };
  return undefined;
}

function toReplayRecord(shardId: string, record: _Record): ReplayRecord {
  const out: ReplayRecord = {
    shardId,
    sequenceNumber: record.SequenceNumber ?? "",
    partitionKey: record.PartitionKey ?? "",
    data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
  };
  if (record.ApproximateArrivalTimestamp) out.arrivedAt = record.ApproximateArrivalTimestamp.getTime();
  return out;
}

/**
 * Re-reads [start, end] of one shard (or, with an empty end, from start to the end of the shard as it is now) (GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords until the end
 * sequence number). A range that cannot be read in full is reported unrecoverable with the reason, together
 * with whatever part of it was found; transient AWS trouble is thrown so the caller can retry later.
 */
export async function readRange(
  kinesis: KinesisClient,
  range: ShardRange,
  options: RangeReaderOptions = {},
): Promise<RangeRead> {
  const maxCalls = options.maxCalls ?? 50;
  const sleep = options.sleep ?? defaultSleep;
  const records: ReplayRecord[] = [];
  let iterator: string | undefined;
  try {
    const out = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: range.streamName,
        ShardId: range.shardId,
        ShardIteratorType: "AT_SEQUENCE_NUMBER",
        StartingSequenceNumber: range.startSequenceNumber,
      }),
    );
    iterator = out.ShardIterator;
  } catch (error) {
    const unrecoverable = unrecoverableFromError(range, error);
    if (unrecoverable) return { ok: false, unrecoverable, records };
    throw error;
  }
  // An open range (end "") reads to the end of the shard as it is now.
  const open = range.endSequenceNumber === "";
  let reachedEnd = false;
  let emptyReads = 0;
  for (let call = 0; iterator && call < maxCalls && !reachedEnd; call++) {
    let out;
    try {
      out = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: options.limit ?? 1000 }),
      );
    } catch (error) {
      const unrecoverable = unrecoverableFromError(range, error);
      if (unrecoverable) return { ok: false, unrecoverable, records };
      throw error;
    }
    for (const record of out.Records ?? []) {
      const seq = record.SequenceNumber ?? "0";
      if (open) {
        if (
          options.untilMs !== undefined &&
          (record.ApproximateArrivalTimestamp?.getTime() ?? 0) >= options.untilMs
        ) {
          reachedEnd = true;
          break;
        }
        records.push(toReplayRecord(range.shardId, record));
        continue;
      }
      if (compareSequenceNumbers(seq, range.endSequenceNumber) > 0) {
        reachedEnd = true;
        break;
      }
      records.push(toReplayRecord(range.shardId, record));
      if (compareSequenceNumbers(seq, range.endSequenceNumber) === 0) {
        reachedEnd = true;
        break;
      }
    }
    iterator = out.NextShardIterator;
    if ((out.Records ?? []).length === 0) {
      // Caught up with the shard: the rest of the range is not there. A few empty reads are allowed because
      // GetRecords may return nothing while it skips over empty stretches of a shard.
      if (out.MillisBehindLatest === 0 || ++emptyReads >= 5) {
        reachedEnd ||= open;
        break;
      }
      await sleep(50);
    } else {
      emptyReads = 0;
    }
  }
  const unrecoverable = assessRange(
    range,
    records.map((r) => r.sequenceNumber),
    reachedEnd,
  );
  return unrecoverable ? { ok: false, unrecoverable, records } : { ok: true, records };
}
