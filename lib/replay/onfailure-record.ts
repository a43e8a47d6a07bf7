import type { KinesisStreamEvent } from "aws-lambda";
import type { OnFailureRecord } from "../kinesis/on-failure-record.js";
import { isSequenceNumber, streamNameFromArn } from "../kinesis/sequence.js";
import type { ReplayRecord, ShardRange } from "./types.js";

export type ParsedOnFailure =
  { ok: true; record: OnFailureRecord; range: ShardRange } | { ok: false; detail: string };

/**
 * Reads an on-failure invocation record (Lambda's documented shape for Kinesis event sources, see
 * lib/kinesis/on-failure-record.ts) and the shard range it names. `streamName` overrides the stream of the ARN, for
 * a stream that was renamed or restored under another name.
 */
export function parseOnFailureRecord(body: string, streamName?: string): ParsedOnFailure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, detail: "the message body is not JSON" };
  }
  const info = (parsed as Partial<OnFailureRecord> | null)?.KinesisBatchInfo;
  if (!info || typeof info !== "object")
    return { ok: false, detail: "no KinesisBatchInfo: not an on-failure record of a Kinesis event source" };
  const { shardId, startSequenceNumber, endSequenceNumber, streamArn } = info;
  if (typeof shardId !== "string" || !shardId)
    return { ok: false, detail: "KinesisBatchInfo.shardId is missing" };
  if (typeof startSequenceNumber !== "string" || !isSequenceNumber(startSequenceNumber))
    return { ok: false, detail: "KinesisBatchInfo.startSequenceNumber is not a sequence number" };
  if (typeof endSequenceNumber !== "string" || !isSequenceNumber(endSequenceNumber))
    return { ok: false, detail: "KinesisBatchInfo.endSequenceNumber is not a sequence number" };
  const name = streamName ?? (typeof streamArn === "string" ? streamNameFromArn(streamArn) : undefined);
  if (!name)
    return {
      ok: false,
      detail: `cannot tell the stream from KinesisBatchInfo.streamArn ${JSON.stringify(streamArn)}`,
    };
  return {
    ok: true,
    record: parsed as OnFailureRecord,
    range: { streamName: name, shardId, startSequenceNumber, endSequenceNumber },
  };
}

/** The records an S3 on-failure object carries in its `payload` (the invocation event). */
export function payloadRecords(
  event: KinesisStreamEvent | undefined,
  fallbackShardId: string,
): ReplayRecord[] {
  return (event?.Records ?? []).map((r) => {
    const colon = r.eventID?.indexOf(":") ?? -1;
    const record: ReplayRecord = {
      shardId: colon > 0 ? r.eventID.slice(0, colon) : fallbackShardId,
      sequenceNumber: r.kinesis.sequenceNumber,
      partitionKey: r.kinesis.partitionKey,
      data: r.kinesis.data,
    };
    if (typeof r.kinesis.approximateArrivalTimestamp === "number")
      record.arrivedAt = Math.round(r.kinesis.approximateArrivalTimestamp * 1000);
    return record;
  });
}
