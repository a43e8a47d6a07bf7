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
