import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { Logger } from "@aws-lambda-powertools/logger";
import { Command } from "commander";
import { register as registerFailures } from "../../../cli/commands/failures.js";
import { register as registerInspect } from "../../../cli/commands/inspect.js";
import { register as registerReplay } from "../../../cli/commands/replay.js";
import { createReplayHandler } from "../../../lib/replay/replay-handler.js";
import { id } from "../consumer/support.js";
import { consumerEnvFor, inlineKeys } from "../setup/consumer-env.js";
import { clients, uniqueName } from "../runner/runner-fixture.js";
import {
  appliedExactlyOnce,
  AUDIENCE,
  createScenario,
  effects,
  ISSUER,
  type ReplayScenario,
} from "./replay-fixture.js";

let s: ReplayScenario;
let A: Record<"u1" | "g1" | "f1", string>;
beforeEach(async () => {
  s = await createScenario();
  A = { u1: id("acc"), g1: id("acc"), f1: id("acc") };
  s.failing.add(A.f1);
});
afterEach(async () => {
  process.exitCode = undefined;
  await s.cleanup();
});

const plan = () => [
  { account: A.u1, count: 2, signedWith: "unknown" as const },
  { account: A.g1, count: 3 },
  { account: A.f1, count: 4 },
];
const context = (ms = 300_000) =>
  ({ getRemainingTimeInMillis: () => ms, functionName: "replay", awsRequestId: "req" }) as unknown as Context;

test("the scheduled replay drains the queue with backoff, parks the unreplayable in the DLQ, deletes what it replayed", async () => {
  const { QueueUrl: dlqUrl } = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: uniqueName("kjp-replay-dlq") }),
  );
  try {
    await s.consume(plan());
    const bogus = "49999999999999999999999999999999999999999999999999999999";
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: s.fx.queueUrl,
        MessageBody: JSON.stringify({
          timestamp: new Date().toISOString(),
          requestContext: { condition: "RetryAttemptsExhausted" },
          KinesisBatchInfo: {
            shardId: "shardId-000000000000",
            startSequenceNumber: bogus,
            endSequenceNumber: bogus,
            streamArn: s.fx.streamArn,
            batchSize: 1,
          },
        }),
      }),
    );
    const handler = createReplayHandler(
      {
        sqs: clients.sqs,
        kinesis: clients.kinesis,
        engine: s.replayDeps(["known", "unknown"]),
        queueUrl: s.fx.queueUrl,
        dlqUrl: dlqUrl!,
        visibilityTimeoutSec: 30,
        backoffBaseSec: 1,
        backoffMaxSec: 1,
        random: () => 0,
      },
      new Logger({ serviceName: "kjp-replay-test", logLevel: "ERROR" }),
    );
    // Still broken: the ranges fail again and are hidden for a backoff; the range that does not exist is parked.
    const first = await handler({}, context());
    expect(first).toMatchObject({ deleted: 0, deadLettered: 1, stoppedBecause: "still_failing" });
    expect(first.deferred).toBeGreaterThan(0);
    const parked = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ["All"],
      }),
    );
    expect(parked.Messages?.map((m) => m.MessageAttributes?.kjpUnrecoverable?.StringValue)).toEqual([
      "range_not_found",
    ]);

    s.state.broken = false;
    // The deferred messages come back once their 1 s backoff passes; when exactly is the queue's business
    // (LocalStack returns them up to a second late), so run the schedule until they are all replayed.
    const later: Awaited<ReturnType<typeof handler>>[] = [];
    const deadline = Date.now() + 15_000;
    while (later.reduce((n, r) => n + r.deleted, 0) < first.deferred && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      later.push(await handler({}, context()));
    }
    expect(later.reduce((n, r) => n + r.deleted, 0)).toBe(first.deferred);
    for (const run of later)
      expect(run).toMatchObject({ deadLettered: 0, deferred: 0, stoppedBecause: "empty" });
    expect((await effects(s))[A.f1]).toEqual(appliedExactlyOnce(s)[A.f1]);
    const third = await handler({}, context());
    expect(third).toMatchObject({ received: 0, stoppedBecause: "empty" });
  } finally {
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));
  }
});

test("kjp failures, kjp replay (dry run, then for real, JSON), kjp inspect by jti and by position", async () => {
  await s.consume(plan());
  s.state.broken = false;
  const env = {
    ...process.env,
    ...s.tables,
    ...consumerEnvFor(
      s.tables,
      { audience: AUDIENCE, issuers: [{ issuer: ISSUER, keys: inlineKeys(s.known.publicJwk) }] },
      { KJP_STREAM_NAME: s.fx.streamName },
    ),
  };
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command("kjp").exitOverride();
    registerFailures(program, { out: (t) => void out.push(t), env });
    registerInspect(program, { out: (t) => void out.push(t), env });
    registerReplay(program, {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      env,
      isTTY: false,
      engineDeps: () => s.replayDeps(["known", "unknown"]),
    });
    process.exitCode = undefined;
    await program.parseAsync(["node", "kjp", ...args]);
    return { out: out.join(""), err: err.join(""), code: process.exitCode };
  };

  const listed = await run(["failures", "--json"]);
  const rows = listed.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(rows.filter((r) => r.reason === "unknown_key")).toHaveLength(2);
  expect(rows.some((r) => r.failureStatus === "failed" && r.type === "deal.stage_changed")).toBe(true);
  const table = await run(["failures", "--status", "rejected", "--since", "1h"]);
  expect(table.out).toMatch(/^failedAt\s+status\s+reason\s+type\s+jti\s+position/);
  expect(table.out).toMatch(/2 failure\(s\)/);
  expect(table.code).toBe(1);

  const u1 = s.sent.find((m) => m.account === A.u1)!;
  const inspected = await run(["inspect", u1.jti, "--json"]);
  const report = JSON.parse(inspected.out) as Record<string, unknown>;
  expect(report).toMatchObject({
    header: { typ: "kjp+jwt", alg: "ES256" },
    claims: { jti: u1.jti, iss: ISSUER, type: "deal.stage_changed" },
    verification: { outcome: "rejected", reason: "unknown_key" },
  });
  expect(report.ledger).toEqual([expect.objectContaining({ status: "rejected", reason: "unknown_key" })]);
  const byPosition = await run(["inspect", report.position as string]);
  expect(byPosition.out).toMatch(/verification with the current key set/);
  expect(byPosition.code).toBe(0);

  const dry = await run([
    "replay",
    "--from",
    "onfailure",
    "--queue-url",
    s.fx.queueUrl,
    "--dry-run",
    "--visibility-timeout",
    "0",
    "--json",
  ]);
  const dryReport = JSON.parse(dry.out) as { summary: Record<string, unknown> };
  expect(dryReport.summary).toMatchObject({ dryRun: true, acknowledged: 0 });
  expect(dryReport.summary.processed).toBeGreaterThan(0);
  expect((await effects(s))[A.f1]).not.toEqual(appliedExactlyOnce(s)[A.f1]);

  const real = await run(["replay", "--from", "onfailure", "--queue-url", s.fx.queueUrl, "--json"]);
  expect(real.code).toBe(0);
  const realReport = JSON.parse(real.out) as {
    summary: Record<string, number>;
    candidates: Array<{ state: string; acknowledged: boolean }>;
  };
  expect(realReport.candidates.every((c) => c.state === "done" && c.acknowledged)).toBe(true);
  expect((await effects(s))[A.f1]).toEqual(appliedExactlyOnce(s)[A.f1]);

  const ledger = await run(["replay", "--from", "ledger", "--reason", "unknown_key"]);
  expect(ledger.out).toMatch(/processed\s+2/);
  expect(ledger.out).toMatch(/ledger rejections resolved\s+2/);
  expect(ledger.code).toBe(0);
  expect(await effects(s)).toEqual(appliedExactlyOnce(s));

  const after = await run(["inspect", u1.jti, "--issuer", ISSUER, "--json"]);
  // A processed message keeps no raw copy: the token is read back from the stream at the marker's position.
  expect(JSON.parse(after.out)).toMatchObject({
    ledger: [expect.objectContaining({ status: "done" })],
    tokenFrom: `stream ${s.fx.streamName}`,
    claims: { jti: u1.jti },
  });
  const missing = await run(["inspect", "0193a1f2-7b3c-7d4e-8f90-123456789abc", "--issuer", ISSUER]);
  expect(missing.code).toBe(1);
  expect(missing.out).toMatch(/ledger: nothing recorded/);

  await expect(run(["replay", "--from", "cloudwatch"])).rejects.toThrow(/--log-group/);
  await expect(run(["replay", "--from", "ledger", "--since", "yesterday"])).rejects.toThrow(/--since/);
});
