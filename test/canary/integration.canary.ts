// Planted on purpose: scripts/test-canary.sh runs this through the integration runner — with the emulators
// started and stopped by the suite's global setup and teardown, where a run once ended with code 0 after a
// failure — and passes only if the failure below is reported and counted. Never part of a normal run.
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

test("canary: the emulators answer (a passing test is counted)", async () => {
  const client = new DynamoDBClient({});
  try {
    const tables = await client.send(new ListTablesCommand({}));
    expect(Array.isArray(tables.TableNames)).toBe(true);
  } finally {
    client.destroy();
  }
});

test("canary: a failing test must turn the run red", () => {
  expect("planted failure").toBe("reported");
});
