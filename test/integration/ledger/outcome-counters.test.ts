import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { clientSettings } from "../../../lib/aws/client-settings.js";
import { minuteOf, readOutcomeCounters } from "../../../lib/ledger/outcome-counters.js";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import {
  contactMessage,
  dealMessage,
  event,
  FakeShard,
  id,
  ledgerItem,
  markerOf,
  noteMessage,
  pipelineFor,
  sign,
  useTestEnv,
} from "../consumer/support.js";

const env = useTestEnv();

/** A minute of its own in the future per test run, so other tests' counters on the shared table never mix in. */
const base = Date.parse("2031-01-01T00:00:00Z") + Math.floor(Math.random() * 500_000) * 60_000;

const counters = async (ms: number) =>
  (await readOutcomeCounters(env.client, env.ledgerTable, [minuteOf(ms)]))
    .map(({ outcome, type, reason, n }) => `${outcome} ${type}${reason ? ` ${reason}` : ""}: ${n}`)
    .sort();

test("a batch of processed, duplicate and rejected records adds the right counters, and processed markers stay out of the activity index", async () => {
  const shard = new FakeShard();
  const [a, b] = [id("acc"), id("acc")];
  const earlier = dealMessage(a, null, "lead", 100);
  await pipelineFor(env, { now: () => base }).process(event([shard.record(a, await sign(env, earlier))]));

  const deal = dealMessage(a, "lead", "qualified", 100);
  const note = noteMessage(b, false);
  const contact = contactMessage(b, id("con"), "2026-01-01T00:00:00Z");
  const badDeal = dealMessage(b, null, "lead", 5);
  const invalid = { ...badDeal, data: { ...badDeal.data, currency: "XXX" } };
  const records = [
    shard.record(a, await sign(env, earlier)), // duplicate of the earlier batch (found by the prefetch)
    shard.record(a, await sign(env, deal)),
    shard.record(b, await sign(env, note)),
    shard.record(b, await sign(env, contact)),
    shard.record(b, await sign(env, invalid)), // rejected with its identity verified: invalid_payload
    shard.record(b, "not a jwt"), // rejected: malformed
  ];
  const at = base + 60_000;
  const result = await pipelineFor(env, { now: () => at }).process(event(records));
  expect(result.reports.map((r) => r.outcome.status)).toEqual([
    "duplicate",
    "processed",
    "processed",
    "processed",
    "rejected",
    "rejected",
  ]);

  expect(await counters(base)).toEqual(["processed deal.stage_changed: 1"]);
  expect(await counters(at)).toEqual([
    "duplicate deal.stage_changed: 1",
    "processed contact.upserted: 1",
    "processed deal.stage_changed: 1",
    "processed note.added: 1",
    "rejected (unknown) malformed: 1",
    "rejected deal.stage_changed invalid_payload: 1",
  ]);

  for (const m of [earlier, deal, note, contact]) {
    const marker = await markerOf(env, m);
    expect(marker).toMatchObject({ status: "done" });
    expect(marker).not.toHaveProperty("activityBucket");
  }
  expect(typeof (await markerOf(env, invalid))?.activityBucket).toBe("string");
  const malformed = await ledgerItem(env, recordLedgerKey(shard.shardId, records[5]!.kinesis.sequenceNumber));
  expect(typeof malformed?.activityBucket).toBe("string");

  // The documented inexactness: a batch delivered again counts its records again, now as duplicates.
  const again = base + 120_000;
  await pipelineFor(env, { now: () => again }).process(event(records));
  expect(await counters(again)).toEqual([
    "duplicate contact.upserted: 1",
    "duplicate deal.stage_changed: 3",
    "duplicate note.added: 1",
    "rejected (unknown) malformed: 1",
  ]);
});

test("counters that cannot be written in time cost the batch nothing but a report", async () => {
  // The real DynamoDB Local, with the counters' writes held up: their deadline passes first.
  const slow = new DynamoDBClient(clientSettings({}, "DYNAMODB"));
  slow.middlewareStack.add(
    (next) => async (args) => {
      const key = (args.input as { Key?: { pk?: { S?: string } } }).Key?.pk?.S;
      if (key?.startsWith("stats#")) await new Promise((r) => setTimeout(r, 500));
      return next(args);
    },
    { step: "initialize" },
  );
  const reports: Array<{ writes: number; ms: number; error?: string }> = [];
  const at = base + 180_000;
  const note = noteMessage(id("acc"), false);
  const started = Date.now();
  const result = await pipelineFor(env, {
    dynamodb: slow,
    now: () => at,
    settings: { counterTimeoutMs: 100 },
    observer: { outcomeCounters: (e) => reports.push(e) },
  }).process(event([new FakeShard().record("k", await sign(env, note))]));
  slow.destroy();
  expect(result.response.batchItemFailures).toEqual([]);
  expect(result.reports[0]!.outcome.status).toBe("processed");
  expect(reports).toHaveLength(1);
  expect(reports[0]!.writes).toBe(0);
  expect(reports[0]!.error).toMatch(/abort/i);
  expect(reports[0]!.ms).toBeLessThan(450);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await counters(at)).toEqual([]);
});
