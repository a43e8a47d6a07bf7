import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

/**
 * The invocation event Lambda's Kinesis event source mapping builds, field for field as AWS documents it
 * ("Example Kinesis record event" in the Lambda developer guide), from records GetRecords returned.
 */
export interface StreamRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  /** Epoch milliseconds (the SDK gives a Date). */
  approximateArrivalMs: number;
}

export interface EventContext {
  awsRegion: string;
  eventSourceArn: string;
  invokeIdentityArn: string;
}

export function toEventRecord(record: StreamRecord, ctx: EventContext): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: Buffer.from(record.data).toString("base64"),
      // Lambda sends seconds with millisecond precision as a JSON number (e.g. 1545084650.987).
      approximateArrivalTimestamp: record.approximateArrivalMs / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${record.shardId}:${record.sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: ctx.invokeIdentityArn,
    awsRegion: ctx.awsRegion,
    eventSourceARN: ctx.eventSourceArn,
  };
}

export function toEvent(records: readonly StreamRecord[], ctx: EventContext): KinesisStreamEvent {
  return { Records: records.map((r) => toEventRecord(r, ctx)) };
}

/** Lambda's synchronous invocation payload limit: 6 MB (6,291,456 bytes) of request JSON. */
export const MAX_INVOCATION_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** `{"Records":[` + `]}` around the comma-separated records. */
const EVENT_ENVELOPE_BYTES = Buffer.byteLength('{"Records":[]}');

/** Bytes one record adds to the serialized event (without the separating comma). */
export function eventRecordBytes(record: StreamRecord, ctx: EventContext): number {
  return Buffer.byteLength(JSON.stringify(toEventRecord(record, ctx)));
}

export function eventBytes(recordBytes: readonly number[]): number {
  if (recordBytes.length === 0) return EVENT_ENVELOPE_BYTES;
  return EVENT_ENVELOPE_BYTES + recordBytes.reduce((a, b) => a + b, 0) + (recordBytes.length - 1);
}
