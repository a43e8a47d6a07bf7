import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { randomUUID } from "node:crypto";
import { logsClient } from "../../../lib/aws/logs-client.js";
import { readFailureLines } from "../../../lib/replay/cloudwatch-source.js";

/**
 * Replay from CloudWatch Logs asks the service for failure lines only (a filter pattern), but must not rely on
 * it: Community LocalStack ignores filter patterns and returns every event. Whatever the server does, the
 * reader keeps exactly the consumer's failure lines, so this passes on AWS-like filtering (moto) and on none.
 */
const logs = logsClient();
const logGroupName = `/aws/lambda/kjp-it-filter-${randomUUID().slice(0, 8)}`;

beforeAll(() => logs.send(new CreateLogGroupCommand({ logGroupName })));
afterAll(async () => {
  await logs.send(new DeleteLogGroupCommand({ logGroupName })).catch(() => undefined);
  logs.destroy();
});

test("only rejected, failed and unfinished lines are read, whatever the server's filtering", async () => {
  const logStreamName = `2026/01/01/[$LATEST]${randomUUID().replaceAll("-", "")}`;
  await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
  const at = (n: string) => ({ shardId: "shardId-000000000000", sequenceNumber: n });
  const messages = [
    JSON.stringify({ level: "INFO", message: "batch done", records: 3 }),
    JSON.stringify({ outcome: "processed", ...at("101") }),
    JSON.stringify({ outcome: "duplicate", ...at("102") }),
    JSON.stringify({ level: "WARN", message: 'outcome = "rejected" mentioned in text only' }),
    JSON.stringify({ outcome: "rejected", reason: "bad_signature", ...at("103") }),
    `2026-01-01T00:00:00.000Z\tabc\tERROR\t${JSON.stringify({ outcome: "failed", reason: "transient", ...at("104") })}`,
    JSON.stringify({ outcome: "unfinished", ...at("105") }),
    JSON.stringify({ outcome: "failed", shardId: "shardId-000000000000", sequenceNumber: "not-a-number" }),
    "plain text, not JSON at all",
  ];
  const now = Date.now();
  await logs.send(
    new PutLogEventsCommand({
      logGroupName,
      logStreamName,
      logEvents: messages.map((message, i) => ({ timestamp: now + i, message })),
    }),
  );
  const found = await readFailureLines({ logs, logGroup: logGroupName });
  expect(found.map(({ line }) => [line.outcome, line.sequenceNumber])).toEqual([
    ["rejected", "103"],
    ["failed", "104"],
    ["unfinished", "105"],
  ]);
});
