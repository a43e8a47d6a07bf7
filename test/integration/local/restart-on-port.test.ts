import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { jest } from "@jest/globals";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { restartDynamoDbLocal } from "../../../dev/chaos/chaos-stack.js";
import { startDynamoDbLocal } from "../../../dev/local/dynamodb-local.js";
import type { Emulator } from "../../../dev/local/emulator.js";

// Its own DynamoDB Local (not the shared stack), killed the way the chaos run kills it and restarted on its port.
jest.setTimeout(240_000);

const dataDir = mkdtempSync(join(tmpdir(), "kjp-restart-"));
const running: Emulator[] = [];
afterAll(async () => {
  await Promise.all(running.map((e) => e.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

// One attempt and no retry: the first request after the restart must succeed by itself.
const oneShot = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });

async function killHard(emulator: Emulator): Promise<void> {
  process.kill(-emulator.pid!, "SIGKILL");
  await emulator.stop();
}

function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(server));
  });
}

const release = (server: Server) => new Promise<void>((r) => server.close(() => r()));

let ddb: Emulator;
const dir = join(dataDir, "dynamodb");

beforeAll(async () => {
  ddb = await startDynamoDbLocal({ dataDir: dir });
  running.push(ddb);
  const c = oneShot(ddb.endpoint);
  await c.send(
    new CreateTableCommand({
      TableName: "kept",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
  c.destroy();
});

it("after a SIGKILL, the restart resolves only once a request on the old port succeeds", async () => {
  const port = ddb.port;
  await killHard(ddb);
  ddb = await restartDynamoDbLocal(port, dir);
  running.push(ddb);
  expect(ddb.port).toBe(port);
  const c = oneShot(ddb.endpoint);
  const { TableNames } = await c.send(new ListTablesCommand({}));
  c.destroy();
  expect(TableNames).toContain("kept");
});

it("waits out a port still held by someone else instead of failing on the first clash", async () => {
  const port = ddb.port;
  await killHard(ddb);
  // A neighbour's free-port probe (or a lingering socket) holds the port for a while after the kill.
  const squatter = await holdPort(port);
  const freed = new Promise<void>((r) => setTimeout(() => void release(squatter).then(r), 2_000));
  ddb = await restartDynamoDbLocal(port, dir);
  running.push(ddb);
  await freed;
  const c = oneShot(ddb.endpoint);
  const { TableNames } = await c.send(new ListTablesCommand({}));
  c.destroy();
  expect(TableNames).toContain("kept");
});

it("gives up at its deadline with a harness error naming the emulator and the port", async () => {
  const port = ddb.port;
  await killHard(ddb);
  const squatter = await holdPort(port);
  try {
    await expect(restartDynamoDbLocal(port, dir, 1_500)).rejects.toMatchObject({
      code: "emulator_restart_failed",
      message: expect.stringContaining(`dynamodb-local did not come back on port ${port}`),
    });
  } finally {
    await release(squatter);
  }
});
