import { randomBytes } from "node:crypto";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { cloudWatchSource } from "../../../lib/replay/cloudwatch-source.js";
import { runReplay } from "../../../lib/replay/engine.js";
import { clients } from "../runner/runner-fixture.js";
import {
  appliedExactlyOnce,
  createScenario,
  effects,
  markerStatus,
  type ReplayScenario,
} from "../replay/replay-fixture.js";

/**
 * The consumer names every record it holds back after a transient failure in its log lines (by position, in
 * lines grouped per outcome and reason, without the record's bytes), so a CloudWatch replay knows which keys
 * to rebuild from the stream.
 */
const account = () => `acc_${randomBytes(9).toString("base64url").replace(/[-_]/g, "x").slice(0, 12)}`;

let s: ReplayScenario;
let A: Record<"u1" | "g1" | "f1" | "g2" | "f2", string>;
beforeEach(async () => {
  s = await createScenario();
  A = { u1: account(), g1: account(), f1: account(), g2: account(), f2: account() };
});
afterEach(() => s.cleanup());

async function fail() {
  s.failing.add(A.f1);
  s.failing.add(A.f2);
  const consumed = await s.consume([
    { account: A.u1, count: 2, signedWith: "unknown" },
    { account: A.g1, count: 3 },
    { account: A.f1, count: 3 },
    { account: A.g2, count: 2 },
    { account: A.f2, count: 3 },
  ]);
  expect(consumed.onFailureSends).toBeGreaterThan(0);
  expect((await effects(s))[A.f1]).not.toEqual(appliedExactlyOnce(s)[A.f1]);
  s.state.broken = false;
}

/** The consumer's JSON lines with this outcome (read whole and parsed here: emulators vary on JSON patterns). */
async function lines(outcome: string): Promise<Array<Record<string, unknown>>> {
  const found: Array<Record<string, unknown>> = [];
  let nextToken: string | undefined;
  do {
    const out = await clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: s.logGroup, ...(nextToken ? { nextToken } : {}) }),
    );
    for (const event of out.events ?? []) {
      const message = event.message ?? "";
      try {
        const line = JSON.parse(message.slice(message.indexOf("{"))) as Record<string, unknown>;
        if (line.outcome === outcome) found.push(line);
      } catch {
        // START/END/REPORT lines and the like
      }
    }
    nextToken = out.nextToken;
  } while (nextToken);
  return found;
}

test("the records held back after a failure are named in grouped lines: position, key, peeked jti, reason, never their bytes", async () => {
  await fail();
  const unfinished = (await lines("unfinished")).flatMap((line) =>
    (line.records as Array<Record<string, unknown>>).map((r) => ({ ...line, ...r })),
  );
  const failing = new Set([A.f1, A.f2]);
  expect(unfinished.length).toBeGreaterThan(0);
  for (const line of unfinished) {
    expect(failing.has(line.partitionKey as string)).toBe(true);
    expect(line).toMatchObject({
      message: "records unfinished",
      reason: "unfinished_after_failure",
      shardId: expect.stringMatching(/^shardId-/),
      sequenceNumber: expect.stringMatching(/^\d+$/),
      identityVerified: false,
    });
    expect(line).not.toHaveProperty("raw");
    const sent = s.sent.find((m) => m.jti === line.jti);
    expect(sent?.account).toBe(line.partitionKey);
  }
  for (const line of [...(await lines("failed")), ...(await lines("rejected"))])
    expect(JSON.stringify(line)).not.toMatch(/"raw"|eyJ/);
});

test("cloudwatch replay: without the stream every failure is named unrecoverable (no_stream); with it, every message once, in order per key", async () => {
  await fail();
  const without = await runReplay(
    cloudWatchSource({ logs: clients.logs, logGroup: s.logGroup }),
    s.replayDeps(["known", "unknown"]),
    { dryRun: true },
  );
  expect(without.summary.unrecoverable.length).toBeGreaterThan(0);
  expect(without.candidates.every((c) => c.candidate.unrecoverable?.code === "no_stream")).toBe(true);

  const source = () =>
    cloudWatchSource({
      logs: clients.logs,
      logGroup: s.logGroup,
      stream: { kinesis: clients.kinesis, streamName: s.fx.streamName },
    });
  const first = await runReplay(source(), s.replayDeps(["known", "unknown"]));
  expect(first.summary).toMatchObject({ unrecoverable: [], failed: {}, rejected: {}, resolved: 2 });
  expect(await effects(s)).toEqual(appliedExactlyOnce(s));
  for (const m of s.sent) expect(await markerStatus(s, m.jti)).toBe("done");

  const snapshot = await effects(s);
  const second = await runReplay(source(), s.replayDeps(["known", "unknown"]));
  expect(second.summary).toMatchObject({ processed: 0, failed: {}, rejected: {}, unrecoverable: [] });
  expect(await effects(s)).toEqual(snapshot);
});
