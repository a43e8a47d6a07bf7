import { createHash } from "node:crypto";
import { claimMessage } from "../../../lib/ledger/claim.js";
import { messageLedgerKey, recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import type { PipelineDeps } from "../../../lib/pipeline/types.js";
import { compareSequenceNumbers } from "../../../lib/kinesis/sequence.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import type { Processor } from "../../../lib/effects/processor.js";
import {
  accountItems,
  dealMessage,
  event,
  FakeShard,
  id,
  ISSUER,
  ledgerItem,
  markerOf,
  noteMessage,
  pipelineFor,
  recordsOf,
  useTestEnv,
} from "./support.js";
import type { KinesisStreamRecord } from "aws-lambda";

const env = useTestEnv();

const pipeline = (overrides: Partial<PipelineDeps> = {}) => pipelineFor(env, overrides);

/** Lambda's rule for one shard: resume from the lowest reported record until everything is acknowledged. */
async function drain(p: ReturnType<typeof pipeline>, records: KinesisStreamRecord[]): Promise<number> {
  let position = 0;
  let invocations = 0;
  while (position < records.length) {
    if (++invocations > 50) throw new Error("shard never drained");
    const result = await p.process(event(records.slice(position)));
    const failed = result.response.batchItemFailures
      .map((f) => f.itemIdentifier)
      .sort(compareSequenceNumbers);
    position =
      failed.length === 0 ? records.length : records.findIndex((r) => r.kinesis.sequenceNumber === failed[0]);
  }
  return invocations;
}

test("two shards updating the same totals item at once: every ADD lands exactly once", async () => {
  const acc = id("acc");
  const shards = [new FakeShard(), new FakeShard()];
  // Different partition keys on different shards (no order between them), one hot item.
  const batches = await Promise.all(
    shards.map((shard, s) =>
      recordsOf(
        env,
        shard,
        Array.from(
          { length: 12 },
          (_, i) =>
            [`${acc}-${s}-${i % 4}`, dealMessage(acc, null, "lead", 10 + s)] as [
              string,
              ReturnType<typeof dealMessage>,
            ],
        ),
      ),
    ),
  );
  await Promise.all(
    batches.map((records) => drain(pipeline({ settings: { maxCommitAttempts: 6 } }), records)),
  );
  expect((await accountItems(env, acc))["pipeline#EUR"]).toMatchObject({
    count_lead: 24,
    amount_lead: 12 * 10 + 12 * 11,
  });
});

test("an effect condition declared `reject` turns the message into a recorded rejection; its batch-mates commit", async () => {
  const shard = new FakeShard();
  const acc = id("acc");
  const base = createProcessorRegistry();
  const guarded: Processor = (m) => ({
    kind: "effects",
    effects: [
      {
        op: "update",
        key: { pk: `account#${String(m.data.accountId)}`, sk: "guard" },
        add: { n: 1 },
        condition: { expression: "attribute_exists(pk)", onFailed: "reject" },
      },
    ],
  });
  const processors = new Map([...base, ["note.added", guarded]]);
  const note = noteMessage(acc, false);
  const deal = dealMessage(acc, null, "lead", 3);
  const records = await recordsOf(env, shard, [
    [acc, note],
    [acc, deal],
  ]);
  const result = await pipeline({ processors }).process(event(records));
  expect(result.reports.map((r) => r.outcome)).toEqual([
    {
      status: "rejected",
      reason: "processor",
      detail: expect.stringContaining(`effect condition failed on update account#${acc}/guard`),
    },
    { status: "processed", skippedEffects: 0 },
  ]);
  expect(await markerOf(env, note)).toMatchObject({
    status: "rejected",
    reason: "processor",
    failureStatus: "rejected",
  });
  expect((await accountItems(env, acc))["pipeline#EUR"]).toMatchObject({ count_lead: 1 });
  expect((await accountItems(env, acc)).guard).toBeUndefined();
});

test("writes DynamoDB refuses (an item over 400 KB) reject only that message, found by isolating it", async () => {
  const shard = new FakeShard();
  const [big, small] = [id("acc"), id("acc")];
  const base = createProcessorRegistry();
  const huge: Processor = (m) =>
    String(m.data.accountId) === big
      ? {
          kind: "effects",
          effects: [
            {
              op: "put",
              key: { pk: `account#${big}`, sk: "huge" },
              attributes: { blob: "x".repeat(420_000) },
            },
          ],
        }
      : base.get("deal.stage_changed")!(m);
  const processors = new Map([...base, ["deal.stage_changed", huge]]);
  const records = await recordsOf(env, shard, [
    [big, dealMessage(big, null, "lead", 1)],
    [small, dealMessage(small, null, "lead", 1)],
  ]);
  const result = await pipeline({ processors }).process(event(records));
  expect(result.reports.map((r) => r.outcome.status)).toEqual(["rejected", "processed"]);
  expect(result.reports[0]!.outcome).toMatchObject({
    reason: "processor",
    detail: expect.stringContaining("DynamoDB refused"),
  });
  expect(result.response.batchItemFailures).toEqual([]);
  expect((await accountItems(env, small))["pipeline#EUR"]).toMatchObject({ count_lead: 1 });
});

test("a claim held by another delivery makes the record transient until its lease runs out", async () => {
  const shard = new FakeShard();
  const acc = id("acc");
  const note = noteMessage(acc, true);
  const [record] = await recordsOf(env, shard, [[acc, note]]);
  const start = Date.now();
  await claimMessage(env.client, {
    tableName: env.ledgerTable,
    pk: messageLedgerKey(ISSUER, note.jti),
    owner: "another-invocation",
    now: start,
    leaseMs: 60_000,
    ttlSeconds: 3600,
  });
  const sent: string[] = [];
  const notifier = { notify: async () => void sent.push(note.jti) };
  const during = await pipeline({ notifier }).process(event([record!]));
  expect(during.reports[0]!.outcome).toMatchObject({ status: "failed", code: "claim_held" });
  expect(sent).toEqual([]);
  const after = await pipeline({ notifier, now: () => start + 61_000 }).process(event([record!]));
  expect(after.reports[0]!.outcome.status).toBe("processed");
  expect(sent).toEqual([note.jti]);
});

test("near the function timeout no new work starts: the rest is reported unfinished and picked up by the next invocation", async () => {
  const shard = new FakeShard();
  const accounts = [id("acc"), id("acc"), id("acc"), id("acc")];
  const records = await recordsOf(
    env,
    shard,
    accounts.flatMap((acc) =>
      [0, 1].map(() => [acc, dealMessage(acc, null, "lead", 1)] as [string, ReturnType<typeof dealMessage>]),
    ),
  );
  let calls = 0;
  // Plenty of time for the first three checks, then the invocation is about to time out.
  const remainingMs = () => (++calls <= 3 ? 60_000 : 1_000);
  const first = await pipeline({ settings: { keyConcurrency: 1 } }).process(event(records), { remainingMs });
  const statuses = first.reports.map((r) => r.outcome.status);
  expect(statuses.slice(0, 3)).toEqual(["unfinished", "unfinished", "unfinished"]);
  expect(first.response.batchItemFailures).toHaveLength(records.length);
  // Here the commit could not start either (it checks the clock before each wave): nothing was written.
  for (const acc of accounts) expect(await accountItems(env, acc)).toEqual({});

  const second = await pipeline().process(event(records), { remainingMs: () => 60_000 });
  expect(second.reports.every((r) => r.outcome.status === "processed")).toBe(true);
  for (const acc of accounts)
    expect((await accountItems(env, acc))["pipeline#EUR"]).toMatchObject({ count_lead: 2 });
});

test("time running out between verification and commit leaves verified records unfinished, not lost", async () => {
  const shard = new FakeShard();
  const acc = id("acc");
  const records = await recordsOf(env, shard, [
    [acc, dealMessage(acc, null, "lead", 1)],
    [acc, dealMessage(acc, null, "lead", 1)],
  ]);
  let calls = 0;
  const remainingMs = () => (++calls <= records.length ? 60_000 : 0);
  const result = await pipeline().process(event(records), { remainingMs });
  expect(result.reports.map((r) => r.outcome.status)).toEqual(["unfinished", "unfinished"]);
  expect(result.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
    records.map((r) => r.kinesis.sequenceNumber),
  );
  expect(await accountItems(env, acc)).toEqual({});
});

test("many large rejected records: raw copies are bounded and transactions stay under 4 MB", async () => {
  const shard = new FakeShard();
  const records = Array.from({ length: 15 }, (_, i) =>
    shard.record(`junk-${i}`, Buffer.alloc(300_000, 65 + (i % 26))),
  );
  const sizes: number[] = [];
  // The largest heads the settings allow, so that 15 items cannot share one transaction.
  const result = await pipeline({
    observer: { transaction: (e) => sizes.push(e.units) },
    settings: { rawMaxChars: 300_000, rawHeadChars: 300_000 },
  }).process(event(records));
  expect(result.reports.every((r) => r.outcome.status === "rejected")).toBe(true);
  expect(result.response.batchItemFailures).toEqual([]);
  expect(sizes.length).toBeGreaterThan(1);
  const item = await ledgerItem(env, recordLedgerKey(shard.shardId, records[0]!.kinesis.sequenceNumber));
  expect(item).toMatchObject({
    status: "rejected",
    reason: "malformed",
    rawTruncated: true,
    rawBytes: 300_000,
  });
  expect(String(item?.raw).length).toBe(300_000);
  expect(item?.rawSha256).toMatch(/^[0-9a-f]{64}$/);
});

test("by default a 1 MB junk record keeps 1 KB of itself in the ledger, with its size and hash (issue 10, item 3)", async () => {
  const shard = new FakeShard();
  const junk = Buffer.alloc(1_000_000, 0x41);
  const record = shard.record("junk", junk);
  const result = await pipeline().process(event([record]));
  expect(result.response.batchItemFailures).toEqual([]);
  const item = await ledgerItem(env, recordLedgerKey(shard.shardId, record.kinesis.sequenceNumber));
  expect(item).toMatchObject({
    status: "rejected",
    reason: "malformed",
    rawTruncated: true,
    rawBytes: 1_000_000,
    rawSha256: createHash("sha256").update(junk).digest("hex"),
  });
  expect(String(item?.raw).length).toBe(1_024);
  expect(JSON.stringify(item).length).toBeLessThan(4_096);
});
