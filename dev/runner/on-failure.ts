import { randomUUID } from "node:crypto";
import type { KinesisStreamEvent } from "aws-lambda";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { TransientError } from "../../lib/errors/kjp-error.js";
import type { StreamRecord } from "../../lib/kinesis/event-record.js";
import type { FailureCondition, OnFailureRecord } from "../../lib/kinesis/on-failure-record.js";

export interface OnFailureInput {
  records: readonly StreamRecord[];
  condition: FailureCondition;
  approximateInvokeCount: number;
  /** The last invocation's request id (a fresh one when the function was never invoked for these records). */
  requestId?: string;
  /** Set when the last invocation threw: Lambda reports "Unhandled". */
  functionError?: "Unhandled" | "Handled";
  functionArn: string;
  streamArn: string;
  nowMs: number;
}

export function buildOnFailureRecord(input: OnFailureInput): OnFailureRecord {
  const first = input.records[0];
  const last = input.records[input.records.length - 1];
  if (!first || !last) throw new Error("an on-failure record needs at least one record");
  return {
    requestContext: {
      requestId: input.requestId ?? randomUUID(),
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: "$LATEST",
      ...(input.functionError ? { functionError: input.functionError } : {}),
    },
    version: "1.0",
    timestamp: new Date(input.nowMs).toISOString(),
    KinesisBatchInfo: {
      shardId: first.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.approximateArrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.approximateArrivalMs).toISOString(),
      batchSize: input.records.length,
      streamArn: input.streamArn,
    },
  };
}

export function s3ObjectKey(
  mappingUuid: string,
  shardId: string,
  nowMs: number,
  random: string = randomUUID(),
): string {
  const iso = new Date(nowMs).toISOString(); // 2026-11-25T02:30:53.123Z
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${iso.slice(0, 10)}T${iso.slice(11, 19).replaceAll(":", ".")}`;
  return `aws/lambda/${mappingUuid}/${shardId}/${y}/${m}/${d}/${stamp}-${random}`;
}

export type OnFailureDestination =
  | { type: "sqs"; queueUrl: string; client: SQSClient }
  | { type: "s3"; bucket: string; mappingUuid: string; client: S3Client };

/** Where the record went: the SQS message id or the S3 key. */
export async function sendOnFailure(
  destination: OnFailureDestination,
  record: OnFailureRecord,
  event: KinesisStreamEvent,
): Promise<string> {
  try {
    if (destination.type === "sqs") {
      const out = await destination.client.send(
        new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: JSON.stringify(record) }),
      );
      return out.MessageId ?? "";
    }
    const key = s3ObjectKey(
      destination.mappingUuid,
      record.KinesisBatchInfo.shardId,
      Date.parse(record.timestamp),
    );
    await destination.client.send(
      new PutObjectCommand({
        Bucket: destination.bucket,
        Key: key,
        Body: JSON.stringify({ ...record, payload: event }),
        ContentType: "application/json",
      }),
    );
    return key;
  } catch (error) {
    throw new TransientError(
      "runner_on_failure_send",
      `could not send the on-failure record to ${destination.type}: ${(error as Error).message}`,
      {
        hint: "The destination must exist (queue / bucket); the runner retries and does not move past the batch until it is sent.",
        cause: error,
      },
    );
  }
}
