import type { KinesisStreamRecord } from "aws-lambda";

/** A Kinesis record as the pipeline sees it: the token bytes and where the record sits in the stream. */
export interface DecodedRecord {
  /** Position in the batch. */
  index: number;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** The record's data: the ASCII bytes of a JWS compact serialization (if the producer kept the contract). */
  data: Buffer;
  /** The data as delivered (base64), kept for rejected/failed ledger items and logs. */
  base64: string;
  /** ms since epoch, when Kinesis accepted the record. */
  arrivedAt?: number;
}

/**
 * Decodes one record of a Kinesis event. The shard comes from `eventID` ("shardId-…:sequence"), which is
 * what Lambda's event carries; an event without it (hand-made test events) falls back to "unknown".
 */
export function decodeRecord(record: KinesisStreamRecord, index: number): DecodedRecord {
  const { kinesis } = record;
  const colon = record.eventID?.indexOf(":") ?? -1;
  const shardId = colon > 0 ? record.eventID.slice(0, colon) : "unknown";
  const base64 = kinesis.data ?? "";
  const decoded: DecodedRecord = {
    index,
    shardId,
    sequenceNumber: kinesis.sequenceNumber,
    partitionKey: kinesis.partitionKey,
    data: Buffer.from(base64, "base64"),
    base64,
  };
  if (typeof kinesis.approximateArrivalTimestamp === "number")
    decoded.arrivedAt = Math.round(kinesis.approximateArrivalTimestamp * 1000);
  return decoded;
}
