import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import type { PipelineDeps } from "../../../lib/pipeline/types.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import type { Notification, Processor } from "../../../lib/effects/processor.js";
import {
  accountItems,
  contactMessage,
  dealMessage,
  event,
  FakeShard,
  id,
  ledgerItem,
  markerOf,
  noteMessage,
  pipelineFor,
  recordsOf,
  sign,
  useTestEnv,
} from "./support.js";

const env = useTestEnv();

function pipeline(overrides: Partial<PipelineDeps> = {}) {
  return pipelineFor(env, { settings: { claimLeaseMs: 2_000 }, ...overrides });
}

/** The processors, except the listed accounts' deal messages throw (a transient failure). */
function failingFor(accounts: Set<string>) {
  const base = createProcessorRegistry();
  const deal = base.get("deal.stage_changed")!;
  const failing: Processor = (m) => {
    if (accounts.has(String(m.data.accountId))) throw new Error("downstream timeout");
    return deal(m);
  };
  return new Map([...base, ["deal.stage_changed", failing]]);
}

const seqs = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

describe("batch pipeline against DynamoDB Local", () => {
  test("a batch mixing valid, duplicate, invalid and transiently failing records gives the documented response, ledger and effects", async () => {
    const shard = new FakeShard();
    const [a, b, c] = [id("acc"), id("acc"), id("acc")];
    const earlier = dealMessage(a, null, "lead", 100);
    await pipeline().process(event([shard.record(a, await sign(env, earlier))]));

    const valid = dealMessage(a, "lead", "qualified", 100);
    const invalidPayload = {
      ...dealMessage(b, null, "lead", 5),
      data: { ...dealMessage(b, null, "lead", 5).data, currency: "XXX" },
    };
    const failing1 = dealMessage(c, null, "lead", 7);
    const failing2 = contactMessage(c, id("con"), "2026-01-01T00:00:00Z");
    const tokenValid = await sign(env, valid);
    // Same claims as `valid`, one signature character changed (not the last: its low bits are padding).
    const at = tokenValid.length - 10;
    const forged = tokenValid.slice(0, at) + (tokenValid[at] === "A" ? "B" : "A") + tokenValid.slice(at + 1);
    const records = [
      shard.record(a, await sign(env, earlier)), // 0 duplicate of an earlier batch
      shard.record(a, tokenValid), // 1 processed
      shard.record(b, await sign(env, invalidPayload)), // 2 rejected: invalid_payload
      shard.record(c, await sign(env, failing1)), // 3 failed (processor threw)
      shard.record(b, "not a jwt"), // 4 rejected: malformed
      shard.record(c, await sign(env, failing2)), // 5 unfinished (after 3, same key)
      shard.record(a, tokenValid), // 6 duplicate within the batch
      shard.record(b, forged), // 7 rejected: bad_signature
    ];
    const result = await pipeline({ processors: failingFor(new Set([c])) }).process(event(records));

    expect(result.reports.map((r) => r.outcome.status)).toEqual([
      "duplicate",
      "processed",
      "rejected",
      "failed",
      "rejected",
      "unfinished",
      "duplicate",
      "rejected",
    ]);
    expect(
      result.reports.map((r) => (r.outcome.status === "rejected" ? r.outcome.reason : undefined)),
    ).toEqual([
      undefined,
      undefined,
      "invalid_payload",
      undefined,
      "malformed",
      undefined,
      undefined,
      "bad_signature",
    ]);
    expect(seqs(result.response)).toEqual([
      records[3]!.kinesis.sequenceNumber,
      records[5]!.kinesis.sequenceNumber,
    ]);

    // Effects: the earlier lead + the move to qualified, each once.
    const totals = (await accountItems(env, a))["pipeline#EUR"]!;
    expect(totals).toMatchObject({
      count_lead: 0,
      amount_lead: 0,
      count_qualified: 1,
      amount_qualified: 100,
    });
    expect(await accountItems(env, c)).toEqual({});

    // Ledger: done marker; a rejection whose iss/jti are signed keyed by message, others by record, each with
    // raw + sparse index attributes; failed item for the failure.
    expect(await markerOf(env, valid)).toMatchObject({
      status: "done",
      type: "deal.stage_changed",
      shardId: shard.shardId,
    });
    const rejected = await markerOf(env, invalidPayload);
    expect(rejected).toMatchObject({
      status: "rejected",
      failureStatus: "rejected",
      reason: "invalid_payload",
      attempts: 1,
      raw: records[2]!.kinesis.data,
      shardId: shard.shardId,
      sequenceNumber: records[2]!.kinesis.sequenceNumber,
      jti: invalidPayload.jti,
    });
    expect(typeof rejected?.tokenHash).toBe("string");
    expect(
      await ledgerItem(env, recordLedgerKey(shard.shardId, records[2]!.kinesis.sequenceNumber)),
    ).toBeUndefined();
    expect(typeof rejected?.failedAt).toBe("string");
    expect(typeof rejected?.ttl).toBe("number");
    expect(
      await ledgerItem(env, recordLedgerKey(shard.shardId, records[4]!.kinesis.sequenceNumber)),
    ).toMatchObject({ reason: "malformed" });
    expect(await markerOf(env, failing1)).toMatchObject({
      status: "failed",
      failureStatus: "failed",
      reason: "processor_failed",
      attempts: 1,
    });
    expect(await markerOf(env, failing2)).toBeUndefined();

    // Lambda redelivers from the lowest reported record; now the downstream works: everything settles once.
    const retry = await pipeline().process(event(records.slice(3)));
    expect(retry.reports.map((r) => r.outcome.status)).toEqual([
      "processed",
      "rejected",
      "processed",
      "duplicate",
      "rejected",
    ]);
    expect(seqs(retry.response)).toEqual([]);
    expect((await accountItems(env, c))["pipeline#EUR"]).toMatchObject({ count_lead: 1, amount_lead: 7 });
    expect(await markerOf(env, failing1)).toMatchObject({ status: "done" });
    expect((await markerOf(env, failing1))?.failureStatus).toBeUndefined();
    expect(
      await ledgerItem(env, recordLedgerKey(shard.shardId, records[4]!.kinesis.sequenceNumber)),
    ).toMatchObject({ attempts: 2 });
  });

  test("redelivering a whole batch, and its tail after a partial failure, changes nothing (no double ADD)", async () => {
    const shard = new FakeShard();
    const accounts = [id("acc"), id("acc"), id("acc")];
    const messages = accounts.flatMap((acc) => [
      dealMessage(acc, null, "lead", 10),
      dealMessage(acc, "lead", "proposal", 10),
      dealMessage(acc, null, "lead", 5, "USD"),
    ]);
    const records = await recordsOf(
      env,
      shard,
      messages.map((m) => [m.sub!, m]),
    );
    const first = await pipeline({ processors: failingFor(new Set([accounts[1]!])) }).process(event(records));
    expect(first.reports.filter((r) => r.outcome.status === "processed")).toHaveLength(6);
    const lowest = first.response.batchItemFailures[0]!.itemIdentifier;
    expect(lowest).toBe(records[3]!.kinesis.sequenceNumber);

    // Lambda's rule: redeliver from the lowest reported sequence number (accounts[2]'s records come back too).
    const tail = records.slice(records.findIndex((r) => r.kinesis.sequenceNumber === lowest));
    const second = await pipeline().process(event(tail));
    expect(second.reports.map((r) => r.outcome.status)).toEqual([
      "processed",
      "processed",
      "processed",
      "duplicate",
      "duplicate",
      "duplicate",
    ]);
    // A whole-batch redelivery (e.g. after a timeout) is all duplicates and verifies nothing.
    let verified = 0;
    const third = await pipeline({ verify: async (t) => (verified++, env.verify(t)) }).process(
      event(records),
    );
    expect(third.reports.every((r) => r.outcome.status === "duplicate")).toBe(true);
    expect(verified).toBe(0);
    for (const acc of accounts) {
      const items = await accountItems(env, acc);
      expect(items["pipeline#EUR"]).toMatchObject({
        count_lead: 0,
        amount_lead: 0,
        count_proposal: 1,
        amount_proposal: 10,
      });
      expect(items["pipeline#USD"]).toMatchObject({ count_lead: 1, amount_lead: 5 });
    }
  });

  test("messages touching the same item in one batch (same key and across keys) are all applied, in order", async () => {
    const shard = new FakeShard();
    const acc = id("acc");
    const contact = id("con");
    const ms = [
      contactMessage(acc, contact, "2026-01-01T00:00:00Z", "First"),
      dealMessage(acc, null, "lead", 1),
      contactMessage(acc, contact, "2026-01-02T00:00:00Z", "Second"),
      dealMessage(acc, null, "lead", 2),
      contactMessage(acc, contact, "2026-01-01T12:00:00Z", "Stale"),
    ];
    const records = await recordsOf(
      env,
      shard,
      ms.map((m, i) => [i === 3 ? "other-key" : acc, m]),
    );
    const transactions: number[] = [];
    const result = await pipeline({ observer: { transaction: (e) => transactions.push(e.items) } }).process(
      event(records),
    );
    expect(result.reports.map((r) => r.outcome)).toEqual([
      { status: "processed", skippedEffects: 0 },
      { status: "processed", skippedEffects: 0 },
      { status: "processed", skippedEffects: 0 },
      { status: "processed", skippedEffects: 0 },
      // An older updatedAt never overwrites a newer one: a no-op success, not a failure.
      { status: "processed", skippedEffects: 1 },
    ]);
    const items = await accountItems(env, acc);
    expect(items[`contact#${contact}`]).toMatchObject({ givenName: "Second" });
    expect(items["pipeline#EUR"]).toMatchObject({ count_lead: 2, amount_lead: 3 });
    expect(Math.max(...transactions)).toBeLessThanOrEqual(100);
  });

  test("a transaction cancelled by a duplicate commits the innocent messages in it", async () => {
    const shard = new FakeShard();
    const acc = id("acc");
    const already = dealMessage(acc, null, "lead", 50);
    await pipeline().process(event([shard.record(acc, await sign(env, already))]));
    const others = [dealMessage(id("acc"), null, "lead", 1), dealMessage(id("acc"), null, "lead", 2)];
    const records = await recordsOf(
      env,
      shard,
      [already, ...others].map((m) => [m.sub!, m]),
    );
    const outcomes: string[] = [];
    // Without the prefetch the duplicate reaches the transaction, which DynamoDB cancels.
    const result = await pipeline({
      settings: { prefetch: false },
      observer: { transaction: (e) => outcomes.push(e.outcome) },
    }).process(event(records));
    expect(outcomes[0]).toBe("cancelled");
    expect(result.reports.map((r) => r.outcome.status)).toEqual(["duplicate", "processed", "processed"]);
    expect(result.response.batchItemFailures).toEqual([]);
    expect((await accountItems(env, acc))["pipeline#EUR"]).toMatchObject({ count_lead: 1, amount_lead: 50 });
    for (const m of others)
      expect((await accountItems(env, m.sub!))["pipeline#EUR"]).toMatchObject({ count_lead: 1 });
  });

  test("a processor failing transiently for some keys holds back only those keys", async () => {
    const shard = new FakeShard();
    const [ok, bad] = [id("acc"), id("acc")];
    const ms = [
      dealMessage(bad, null, "lead", 1),
      dealMessage(ok, null, "lead", 1),
      dealMessage(bad, "lead", "qualified", 1),
      dealMessage(ok, "lead", "qualified", 1),
    ];
    const records = await recordsOf(
      env,
      shard,
      ms.map((m) => [m.sub!, m]),
    );
    const result = await pipeline({ processors: failingFor(new Set([bad])) }).process(event(records));
    expect(result.reports.map((r) => r.outcome.status)).toEqual([
      "failed",
      "processed",
      "unfinished",
      "processed",
    ]);
    expect(seqs(result.response)).toEqual([
      records[0]!.kinesis.sequenceNumber,
      records[2]!.kinesis.sequenceNumber,
    ]);
    expect((await accountItems(env, ok))["pipeline#EUR"]).toMatchObject({
      count_qualified: 1,
      count_lead: 0,
    });
    expect(await accountItems(env, bad)).toEqual({});
  });

  test("when DynamoDB is unreachable the whole batch is reported, from its first record", async () => {
    const shard = new FakeShard();
    const acc = id("acc");
    const records = await recordsOf(
      env,
      shard,
      [dealMessage(acc, null, "lead", 1), dealMessage(id("acc"), null, "lead", 1)].map((m) => [m.sub!, m]),
    );
    const dead = new DynamoDBClient({
      endpoint: "http://127.0.0.1:9",
      region: "us-east-1",
      maxAttempts: 1,
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    for (const prefetch of [true, false]) {
      const result = await pipeline({ dynamodb: dead, settings: { prefetch } }).process(event(records));
      expect(seqs(result.response)).toEqual(records.map((r) => r.kinesis.sequenceNumber));
    }
    dead.destroy();
  });

  test("a notification is sent once, after a claim; a failing notifier makes the record transient", async () => {
    const shard = new FakeShard();
    const acc = id("acc");
    const note = noteMessage(acc, true);
    const record = shard.record(acc, await sign(env, note));
    let fail = true;
    const sent: Notification[] = [];
    const notifier = {
      async notify(n: Notification) {
        if (fail) throw new Error("mail service down");
        sent.push(n);
      },
    };
    const first = await pipeline({ notifier }).process(event([record]));
    expect(first.reports[0]!.outcome).toMatchObject({ status: "failed", code: "notifier_failed" });
    expect(await markerOf(env, note)).toMatchObject({ status: "failed" });
    fail = false;
    const second = await pipeline({ notifier }).process(event([record]));
    expect(second.reports[0]!.outcome.status).toBe("processed");
    const third = await pipeline({ notifier }).process(event([record]));
    expect(third.reports[0]!.outcome.status).toBe("duplicate");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.idempotencyKey).toBe(`crm-rails#${note.jti}`);
    expect((await accountItems(env, acc))[`note#${String(note.data.noteId)}`]).toMatchObject({
      body: "Call went well.",
    });
    expect(await markerOf(env, note)).toMatchObject({ status: "done", notified: true });
  });

  test("a processor's permanent refusal is recorded at the message key and acknowledged", async () => {
    const shard = new FakeShard();
    const acc = id("acc");
    const future = contactMessage(acc, id("con"), "2099-01-01T00:00:00Z");
    const record = shard.record(acc, await sign(env, future));
    const result = await pipeline().process(event([record]));
    expect(result.reports[0]!.outcome).toMatchObject({ status: "rejected", reason: "processor" });
    expect(result.response.batchItemFailures).toEqual([]);
    expect(await markerOf(env, future)).toMatchObject({
      status: "rejected",
      failureStatus: "rejected",
      reason: "processor",
    });
    expect((await pipeline().process(event([record]))).reports[0]!.outcome.status).toBe("duplicate");
  });
});
