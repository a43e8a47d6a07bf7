import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDynamoDbLocal } from "../../../dev/local/dynamodb-local.js";
import type { Emulator } from "../../../dev/local/emulator.js";
import { startKinesisMock } from "../../../dev/local/kinesis-mock.js";

// These start their own emulators (not the shared stack) to restart them; explicit endpoints, not env.
const client = <T>(Ctor: new (c: object) => T, endpoint: string) =>
  new Ctor({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });

const dataDir = mkdtempSync(join(tmpdir(), "kjp-persist-"));
const running: Emulator[] = [];
afterAll(async () => {
  await Promise.all(running.map((e) => e.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

it("DynamoDB Local with a data dir keeps tables and items across a restart", async () => {
  const dir = join(dataDir, "dynamodb");
  let ddb = await startDynamoDbLocal({ dataDir: dir });
  running.push(ddb);
  let c = client(DynamoDBClient, ddb.endpoint);
  await c.send(
    new CreateTableCommand({
      TableName: "kept",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
  await c.send(new PutItemCommand({ TableName: "kept", Item: { pk: { S: "a" }, v: { N: "1" } } }));
  c.destroy();
  await ddb.stop();

  ddb = await startDynamoDbLocal({ dataDir: dir });
  running.push(ddb);
  c = client(DynamoDBClient, ddb.endpoint);
  const { Item } = await c.send(new GetItemCommand({ TableName: "kept", Key: { pk: { S: "a" } } }));
  expect(Item?.v?.N).toBe("1");
  c.destroy();
});

it("kinesis-mock with a data dir keeps streams and records across a restart", async () => {
  const dir = join(dataDir, "kinesis");
  let kin = await startKinesisMock({ dataDir: dir });
  running.push(kin);
  let c = client(KinesisClient, kin.endpoint);
  await c.send(new CreateStreamCommand({ StreamName: "kept", ShardCount: 1 }));
  for (let i = 0; i < 50; i++) {
    const { StreamDescriptionSummary: s } = await c.send(
      new DescribeStreamSummaryCommand({ StreamName: "kept" }),
    );
    if (s?.StreamStatus === "ACTIVE") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const put = await c.send(
    new PutRecordCommand({ StreamName: "kept", PartitionKey: "k", Data: Buffer.from("survives") }),
  );
  await new Promise((r) => setTimeout(r, 1_500)); // kinesis-mock snapshots every PERSIST_INTERVAL (1 s here)
  c.destroy();
  await kin.stop();

  kin = await startKinesisMock({ dataDir: dir });
  running.push(kin);
  c = client(KinesisClient, kin.endpoint);
  const { ShardIterator } = await c.send(
    new GetShardIteratorCommand({
      StreamName: "kept",
      ShardId: put.ShardId,
      ShardIteratorType: "AT_SEQUENCE_NUMBER",
      StartingSequenceNumber: put.SequenceNumber,
    }),
  );
  const { Records = [] } = await c.send(new GetRecordsCommand({ ShardIterator }));
  expect(Records.map((r) => Buffer.from(r.Data ?? new Uint8Array()).toString())).toEqual(["survives"]);
  c.destroy();
});
