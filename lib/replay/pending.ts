import { type CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { type DynamoDBClient, QueryCommand, type QueryCommandOutput } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { FAILURES_INDEX } from "../ledger/ledger-items.js";
import { type ParkedGauges, parkedGauges } from "./parked-gauges.js";

/**
 * Everything that can hold work back, read in one go for `kjp status`: parked keys, failed ledger items
 * (transient failures not yet redelivered or replayed), the on-failure destination's depth, and the stream's
 * iterator age. "Nothing pending" is only said when every one of them was read and is zero: a figure that
 * could not be read is `unknown`, never zero.
 */
export interface PendingReport {
  parked: ParkedGauges;
  failedLedgerItems: number;
  onFailureDepth: number | "unknown";
  iteratorAgeMs: number | "unknown";
  /** Why a figure is unknown. */
  notes: string[];
  nothingPending: boolean;
}

export interface PendingSources {
  dynamodb: DynamoDBClient;
  ledgerTable: string;
  sqs?: SQSClient;
  queueUrl?: string;
  cloudwatch?: CloudWatchClient;
  streamName?: string;
  /** An iterator age at or below this counts as caught up (records are read as they arrive). */
  caughtUpMs: number;
  now: number;
}

async function countFailed(client: DynamoDBClient, table: string): Promise<number> {
  let n = 0;
  let start: QueryCommandOutput["LastEvaluatedKey"];
  do {
    const out: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: FAILURES_INDEX,
        KeyConditionExpression: "failureStatus = :f",
        ExpressionAttributeValues: { ":f": { S: "failed" } },
        Select: "COUNT",
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    n += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return n;
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** The highest iterator age of the last 5 minutes (AWS/Kinesis GetRecords.IteratorAgeMilliseconds). */
async function iteratorAge(
  cw: CloudWatchClient,
  streamName: string,
  now: number,
): Promise<number | undefined> {
  const out = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: "AWS/Kinesis",
      MetricName: "GetRecords.IteratorAgeMilliseconds",
      Dimensions: [{ Name: "StreamName", Value: streamName }],
      StartTime: new Date(now - 5 * 60_000),
      EndTime: new Date(now),
      Period: 60,
      Statistics: ["Maximum"],
    }),
  );
  const points = out.Datapoints ?? [];
  return points.length === 0 ? undefined : Math.max(...points.map((p) => p.Maximum ?? 0));
}

export async function readPending(sources: PendingSources): Promise<PendingReport> {
  const notes: string[] = [];
  const parked = await parkedGauges(sources.dynamodb, sources.ledgerTable, sources.now);
  const failedLedgerItems = await countFailed(sources.dynamodb, sources.ledgerTable);
  let onFailureDepth: number | "unknown" = "unknown";
  if (sources.sqs && sources.queueUrl) onFailureDepth = await queueDepth(sources.sqs, sources.queueUrl);
  else notes.push("on-failure queue not given (--queue-url or KJP_ONFAILURE_QUEUE_URL)");
  let iteratorAgeMs: number | "unknown" = "unknown";
  if (sources.cloudwatch && sources.streamName) {
    try {
      const age = await iteratorAge(sources.cloudwatch, sources.streamName, sources.now);
      if (age === undefined)
        notes.push("no iterator-age datapoints in the last 5 minutes (is the consumer reading?)");
      else iteratorAgeMs = age;
    } catch (error) {
      notes.push(`iterator age unreadable: ${(error as Error).message}`);
    }
  } else notes.push("stream not given (--stream or KJP_STREAM_NAME)");
  return {
    parked,
    failedLedgerItems,
    onFailureDepth,
    iteratorAgeMs,
    notes,
    nothingPending:
      parked.parkedKeys === 0 &&
      failedLedgerItems === 0 &&
      onFailureDepth === 0 &&
      iteratorAgeMs !== "unknown" &&
      iteratorAgeMs <= sources.caughtUpMs,
  };
}
