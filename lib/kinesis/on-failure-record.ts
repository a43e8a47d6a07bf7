import type { KinesisStreamEvent } from "aws-lambda";

/** Why Lambda gave up on a batch of a Kinesis event source. */
export type FailureCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

/**
 * The invocation record Lambda sends to a Kinesis event source mapping's on-failure destination when it
 * discards a batch ("Retain discarded batch records for a Kinesis Data Streams event source"): metadata only
 * for SQS/SNS (KinesisBatchInfo locates the records in the stream); for S3 the same plus the invocation event
 * as `payload`, stored under `aws/lambda/<ESM UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`.
 */
export interface OnFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: FailureCondition;
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: "1.0";
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  payload?: KinesisStreamEvent;
}
