import {
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { QueryCommand, TransactWriteItemsCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { randomUUID } from "node:crypto";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../../lib/aws/kinesis-client.js";
import { logsClient } from "../../../lib/aws/logs-client.js";
import { s3Client } from "../../../lib/aws/s3-client.js";
import { sqsClient } from "../../../lib/aws/sqs-client.js";
import { loadServiceDefinition } from "../../../dev/service-definition/service-definition.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through jest.integration.config.js`);
  return value;
};

const kinesis = kinesisClient();
const dynamodb = dynamoDbClient();
const sqs = sqsClient();
const s3 = s3Client();
const logs = logsClient();
afterAll(() => [kinesis, dynamodb, sqs, s3, logs].forEach((c) => c.destroy()));

describe("kinesis-mock", () => {
  it("returns what PutRecords wrote, per shard and in order", async () => {
    const stream = env("KJP_STREAM_NAME");
    const run = randomUUID();
    const entries = Array.from({ length: 20 }, (_, i) => ({
      PartitionKey: `pk-${i % 4}`,
      Data: Buffer.from(`${run}:${i}`),
    }));
    const put = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    expect(put.FailedRecordCount ?? 0).toBe(0);

    const firstByShard = new Map<string, string>();
    for (const r of put.Records ?? [])
      if (!firstByShard.has(r.ShardId ?? "")) firstByShard.set(r.ShardId ?? "", r.SequenceNumber ?? "");
    const seen: string[] = [];
    for (const [ShardId, StartingSequenceNumber] of firstByShard) {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId,
          ShardIteratorType: "AT_SEQUENCE_NUMBER",
          StartingSequenceNumber,
        }),
      );
      const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
      const ours = Records.map((r) => Buffer.from(r.Data ?? new Uint8Array()).toString()).filter((d) =>
        d.startsWith(run),
      );
      // Within a shard, records come back in the order they were written.
      expect(ours).toEqual([...ours].sort((a, b) => Number(a.split(":")[1]) - Number(b.split(":")[1])));
      seen.push(...ours);
    }
    expect(seen.sort()).toEqual(entries.map((e) => e.Data.toString()).sort());
  });
});

describe("DynamoDB Local", () => {
  it("applies a transaction once and refuses it a second time; the failures index is sparse", async () => {
    const ledger = env("KJP_LEDGER_TABLE");
    const projections = env("KJP_PROJECTIONS_TABLE");
    const id = randomUUID();
    const failedAt = new Date().toISOString();
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: ledger,
          Item: {
            pk: { S: `msg#it#${id}` },
            status: { S: "rejected" },
            failureStatus: { S: `rejected-${id}` },
            failedAt: { S: failedAt },
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Put: {
          TableName: ledger,
          Item: { pk: { S: `msg#it#${id}-ok` }, status: { S: "processed" } },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Put: {
          TableName: projections,
          Item: { pk: { S: `contact#${id}` }, sk: { S: "profile" }, name: { S: "Ada" } },
        },
      },
    ];
    await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items }));
    await expect(
      dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items })),
    ).rejects.toMatchObject({ name: "TransactionCanceledException" });

    const byFailure = await dynamodb.send(
      new QueryCommand({
        TableName: ledger,
        IndexName: "failures",
        KeyConditionExpression: "failureStatus = :s AND failedAt <= :t",
        ExpressionAttributeValues: {
          ":s": { S: `rejected-${id}` },
          ":t": { S: new Date(Date.now() + 1000).toISOString() },
        },
      }),
    );
    expect(byFailure.Items?.map((i) => i.pk?.S)).toEqual([`msg#it#${id}`]);
  });
});

describe("moto", () => {
  it("SQS: a sent message is received with its body and can be deleted", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `kjp-it-${randomUUID()}` }));
    try {
      const body = JSON.stringify({ KinesisBatchInfo: { shardId: "shardId-000000000000" } });
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(Messages.map((m) => m.Body)).toEqual([body]);
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0]?.ReceiptHandle }));
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
      expect(again.Messages ?? []).toHaveLength(0);
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });

  it("S3: an object put in the on-failure bucket reads back", async () => {
    const Bucket = env("KJP_ONFAILURE_BUCKET");
    const Key = `it/${randomUUID()}.json`;
    await s3.send(
      new PutObjectCommand({ Bucket, Key, Body: '{"ok":true}', ContentType: "application/json" }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body?.transformToString()).toBe('{"ok":true}');
  });

  it("CloudWatch Logs: PutLogEvents lines are found by FilterLogEvents", async () => {
    const group =
      loadServiceDefinition({ stage: "local" }).functions.find((f) => f.key === "consumer")?.logGroup ?? "";
    const logStreamName = `2026/01/01/[$LATEST]${randomUUID().replaceAll("-", "")}`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName }));
    const now = Date.now();
    const jti = randomUUID();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName,
        logEvents: [
          { timestamp: now, message: JSON.stringify({ level: "INFO", message: "batch done" }) },
          { timestamp: now + 1, message: JSON.stringify({ level: "WARN", reason: "bad_signature", jti }) },
        ],
      }),
    );
    const found = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: group,
        logStreamNames: [logStreamName],
        startTime: now - 1000,
        filterPattern: `"${jti}"`,
      }),
    );
    // Community LocalStack ignores filterPattern and returns both lines; AWS and moto return only the match.
    // The project's readers filter every line themselves (lib/replay/cloudwatch-source.ts), so only the
    // round trip is asserted here: the line comes back whole, and nothing but this stream's lines.
    const lines = (found.events ?? []).map(
      (e) => JSON.parse(e.message ?? "{}") as { jti?: string; reason?: string },
    );
    expect(lines.filter((l) => l.jti === jti).map((l) => l.reason)).toEqual(["bad_signature"]);
    expect(found.events?.every((e) => e.logStreamName === logStreamName)).toBe(true);
  });
});
