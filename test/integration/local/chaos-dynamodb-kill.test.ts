import {
  BatchGetItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { jest } from "@jest/globals";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChaosStack } from "../../../dev/chaos/chaos-stack.js";

// The chaos run's `dynamodb_kill` on its own stack: what DynamoDB acknowledged must survive the kill, as on AWS.
// Killing DynamoDB Local at once lost transactions it had answered a few milliseconds earlier (with three kills
// this test failed in about half its runs that way), and the chaos run then blamed the pipeline for messages
// never applied.
jest.setTimeout(300_000);

const dataDir = mkdtempSync(join(tmpdir(), "kjp-chaos-kill-"));
let stack: ChaosStack;
let client: DynamoDBClient;

beforeAll(async () => {
  stack = await ChaosStack.start(dataDir, 5);
  client = new DynamoDBClient({
    endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: 16 }),
      requestTimeout: 3_000,
      throwOnRequestTimeout: true,
    }),
    maxAttempts: 1,
  });
  await client.send(
    new CreateTableCommand({
      TableName: "acknowledged",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
});

afterAll(async () => {
  client?.destroy();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("dynamodb_kill cuts every client off, and keeps every write DynamoDB Local acknowledged", async () => {
  const acknowledged: string[] = [];
  let refused = 0;
  let next = 0;
  let writing = true;
  const writer = async () => {
    while (writing) {
      const id = `w${next++}`;
      try {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: "acknowledged",
                  Item: { pk: { S: id } },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
              { Put: { TableName: "acknowledged", Item: { pk: { S: `${id}-pair` } } } },
            ],
          }),
        );
        acknowledged.push(id);
      } catch {
        refused++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const writers = Array.from({ length: 8 }, writer);
  for (let kill = 0; kill < 5; kill++) {
    await new Promise((r) => setTimeout(r, 1_000));
    const before = acknowledged.length;
    await stack.killDynamoDb(1_500);
    // Writes were under way when the kill came (the test is not vacuous).
    expect(before).toBeGreaterThan(0);
  }
  await new Promise((r) => setTimeout(r, 1_000));
  writing = false;
  await Promise.all(writers);
  const afterKills = acknowledged.length;
  expect(refused).toBeGreaterThan(0);

  const missing: string[] = [];
  for (let i = 0; i < acknowledged.length; i += 100) {
    const keys = acknowledged.slice(i, i + 100);
    const out = await client.send(
      new BatchGetItemCommand({
        RequestItems: { acknowledged: { Keys: keys.map((pk) => ({ pk: { S: pk } })) } },
      }),
    );
    const found = new Set((out.Responses?.acknowledged ?? []).map((item) => item.pk!.S!));
    expect(out.UnprocessedKeys?.acknowledged).toBeUndefined();
    missing.push(...keys.filter((k) => !found.has(k)));
  }
  expect({ acknowledged: afterKills, missing }).toEqual({ acknowledged: afterKills, missing: [] });
});
