import fc from "fast-check";
import type { KinesisStreamRecord } from "aws-lambda";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { compareSequenceNumbers } from "../../../lib/kinesis/sequence.js";
import { TransientError } from "../../../lib/errors/kjp-error.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import type { Notification, Processor } from "../../../lib/effects/processor.js";
import { DEAL_STAGES } from "../../../schemas/deal-stage-changed.v1.js";
import {
  accountItems,
  contactMessage,
  dealMessage,
  event,
  FakeShard,
  id,
  ledgerItem,
  markerOf,
  type Message,
  noteMessage,
  pipelineFor,
  sign,
  useTestEnv,
} from "./support.js";

/**
 * Model-based: random streams (messages, producer duplicates, garbage, signed messages refused by their schema), random partition keys, random
 * transient failures (verifier, processors) and crashed invocations (work done, response lost), replayed with
 * Lambda's rule (resume from the lowest reported sequence number; a lost response means the same batch again)
 * until the shard is drained. The final tables must equal applying every distinct message once, in order per key.
 */
const env = useTestEnv();

/** The last one is far past any signing time: the contact processor refuses it (permanent, reason "processor"). */
const TIMES = [
  "2026-01-01T00:00:00Z",
  "2026-01-02T00:00:00+02:00",
  "2026-01-02T00:00:00Z",
  "2026-01-03T00:00:00Z",
  "2099-01-01T00:00:00Z",
];
const REFUSED_TIME = TIMES.length - 1;

type Op =
  | { kind: "contact"; account: number; contact: number; t: number; name: string }
  | { kind: "deal"; account: number; from: number | null; to: number; amount: number; usd: boolean }
  | { kind: "note"; account: number; notify: boolean }
  | { kind: "garbage"; account: number }
  | { kind: "invalid"; account: number }
  | { kind: "dup"; of: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("contact" as const),
      account: fc.nat(2),
      contact: fc.nat(1),
      t: fc.nat(TIMES.length - 1),
      name: fc.constantFrom("Ada", "Grace", "Edsger"),
    }),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        kind: fc.constant("deal" as const),
        account: fc.nat(2),
        from: fc.option(fc.nat(DEAL_STAGES.length - 1)),
        to: fc.nat(DEAL_STAGES.length - 1),
        amount: fc.integer({ min: 1, max: 1000 }),
        usd: fc.boolean(),
      })
      .filter((d) => d.from !== d.to),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("note" as const), account: fc.nat(2), notify: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("garbage" as const), account: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("invalid" as const), account: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("dup" as const), of: fc.nat(29) }) },
);

const scenarioArb = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 30 }),
  /** Per op: how many deliveries of it fail in the processor / verifier before it works. */
  processorFailures: fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) },
    ),
    { minLength: 30, maxLength: 30 },
  ),
  verifyFailures: fc.array(
    fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
    { minLength: 30, maxLength: 30 },
  ),
  /** Per op: how many notification attempts fail (the notifier is outside DynamoDB). */
  notifyFailures: fc.array(
    fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
    { minLength: 30, maxLength: 30 },
  ),
  batchSize: fc.integer({ min: 1, max: 10 }),
  /** Per invocation: the response is lost (timeout after the work), so Lambda redelivers the same batch. */
  crashes: fc.array(
    fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    { minLength: 60, maxLength: 60 },
  ),
  /** Partition key per account: by account (the natural choice) or all on one key. */
  oneKey: fc.boolean(),
  /** Small transactions and segments exercise splitting, waves and the verify/commit overlap. */
  maxItemsPerTransaction: fc.constantFrom(2, 3, 5, 100),
  segmentRecords: fc.integer({ min: 1, max: 12 }),
});

test("final state equals applying every message once, in order per key, whatever the failures and redeliveries", async () => {
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (s) => {
      const accounts = [id("acc"), id("acc"), id("acc")];
      const contacts = accounts.map(() => [id("con"), id("con")]);
      const shard = new FakeShard();
      const messages: (Message | undefined)[] = [];
      const records: KinesisStreamRecord[] = [];
      const tokenOp = new Map<string, number>();
      const invalid: { message: Message; record: number }[] = [];
      for (const [i, op] of s.ops.entries()) {
        if (op.kind === "dup") {
          const original = records[op.of % Math.max(1, records.length)];
          if (!original) continue;
          records.push(
            shard.record(original.kinesis.partitionKey, Buffer.from(original.kinesis.data, "base64")),
          );
          messages.push(undefined);
          continue;
        }
        const acc = accounts[op.account]!;
        const key = s.oneKey ? "all" : acc;
        if (op.kind === "garbage") {
          records.push(shard.record(key, `garbage.${i}.x`));
          messages.push(undefined);
          continue;
        }
        if (op.kind === "invalid") {
          // Signed by the trusted issuer, refused by its schema: rejected under msg#<iss>#<jti>, never applied.
          const deal = dealMessage(acc, null, "lead", 1, "EUR");
          const bad = { ...deal, data: { ...deal.data, currency: "XXX" } };
          const token = await sign(env, bad);
          tokenOp.set(token, i);
          records.push(shard.record(key, token));
          invalid.push({ message: bad, record: records.length - 1 });
          messages.push(undefined);
          continue;
        }
        const m =
          op.kind === "contact"
            ? contactMessage(acc, contacts[op.account]![op.contact]!, TIMES[op.t]!, op.name)
            : op.kind === "deal"
              ? dealMessage(
                  acc,
                  op.from === null ? null : DEAL_STAGES[op.from]!,
                  DEAL_STAGES[op.to]!,
                  op.amount,
                  op.usd ? "USD" : "EUR",
                )
              : noteMessage(acc, op.notify);
        const token = await sign(env, m);
        tokenOp.set(token, i);
        records.push(shard.record(key, token));
        messages.push(m);
      }

      // Injected transient failures, counted per op across deliveries.
      const processorCalls = new Map<string, number>();
      const verifyCalls = new Map<number, number>();
      const jtiOp = new Map(messages.flatMap((m, i) => (m ? [[m.jti, i] as const] : [])));
      const base = createProcessorRegistry();
      const processors = new Map<string, Processor>(
        [...base].map(([type, p]) => [
          type,
          (msg) => {
            const n = (processorCalls.get(msg.jti) ?? 0) + 1;
            processorCalls.set(msg.jti, n);
            if (n <= (s.processorFailures[jtiOp.get(msg.jti) ?? 0] ?? 0))
              throw new Error("injected processor failure");
            return p(msg);
          },
        ]),
      );
      const sent: Notification[] = [];
      const notifyCalls = new Map<string, number>();
      const pipeline = pipelineFor(env, {
        verify: async (token) => {
          const op = tokenOp.get(Buffer.from(token).toString("latin1"));
          if (op !== undefined) {
            const n = (verifyCalls.get(op) ?? 0) + 1;
            verifyCalls.set(op, n);
            if (n <= (s.verifyFailures[op] ?? 0))
              throw new TransientError("key_set_unavailable", "injected key set outage");
          }
          return env.verify(token);
        },
        processors,
        notifier: {
          notify: async (n) => {
            const jti = n.idempotencyKey.slice("crm-rails#".length);
            const tries = (notifyCalls.get(jti) ?? 0) + 1;
            notifyCalls.set(jti, tries);
            if (tries <= (s.notifyFailures[jtiOp.get(jti) ?? 0] ?? 0))
              throw new Error("injected notifier outage");
            sent.push(n);
          },
        },
        settings: { maxItemsPerTransaction: s.maxItemsPerTransaction, segmentRecords: s.segmentRecords },
      });

      // Lambda's event source mapping, one shard.
      let position = 0;
      let invocations = 0;
      while (position < records.length) {
        if (++invocations > 200) throw new Error("the shard never drained");
        const batch = records.slice(position, position + s.batchSize);
        const result = await pipeline.process(event(batch));
        if (s.crashes[invocations % s.crashes.length]) continue;
        const failed = result.response.batchItemFailures
          .map((f) => f.itemIdentifier)
          .sort(compareSequenceNumbers);
        if (failed.length === 0) position += batch.length;
        else position = records.findIndex((r) => r.kinesis.sequenceNumber === failed[0]);
      }

      // The model: every distinct message once, in stream order per key.
      for (const acc of accounts) {
        const expectedContacts = new Map<string, { name: string; ms: number }>();
        const totals = new Map<string, number>();
        const notes = new Set<string>();
        for (const m of messages) {
          if (!m || m.sub !== acc) continue;
          const d = m.data as {
            contactId: string;
            updatedAt: string;
            givenName: string;
            currency: string;
            toStage: string;
            fromStage: string | null;
            amountMinor: number;
            noteId: string;
          };
          if (m.type === "contact.upserted") {
            if (d.updatedAt === TIMES[REFUSED_TIME]) continue;
            const ms = Date.parse(d.updatedAt);
            const current = expectedContacts.get(d.contactId);
            if (!current || current.ms < ms) expectedContacts.set(d.contactId, { name: d.givenName, ms });
          } else if (m.type === "deal.stage_changed") {
            const bump = (k: string, n: number) => totals.set(k, (totals.get(k) ?? 0) + n);
            bump(`pipeline#${d.currency}/count_${d.toStage}`, 1);
            bump(`pipeline#${d.currency}/amount_${d.toStage}`, d.amountMinor);
            if (d.fromStage) {
              bump(`pipeline#${d.currency}/count_${d.fromStage}`, -1);
              bump(`pipeline#${d.currency}/amount_${d.fromStage}`, -d.amountMinor);
            }
          } else notes.add(`note#${d.noteId}`);
        }
        const items = await accountItems(env, acc);
        const actualContacts = new Map(
          Object.values(items)
            .filter((it) => it.entity === "contact")
            .map((it) => [String(it.contactId), { name: String(it.givenName), ms: Number(it.updatedAtMs) }]),
        );
        expect(actualContacts).toEqual(expectedContacts);
        const actualTotals = new Map<string, number>();
        for (const [sk, it] of Object.entries(items)) {
          if (it.entity !== "pipeline_totals") continue;
          for (const [k, v] of Object.entries(it))
            if (/^(count|amount)_/.test(k) && v !== 0) actualTotals.set(`${sk}/${k}`, Number(v));
        }
        for (const [k, v] of [...totals]) if (v === 0) totals.delete(k);
        expect(actualTotals).toEqual(totals);
        expect(new Set(Object.keys(items).filter((k) => k.startsWith("note#")))).toEqual(notes);
      }
      // Verified rejections: one rejected item each under the message key, at the first copy's position;
      // copies of it (dups) are duplicates, never items of their own.
      for (const { message, record } of invalid) {
        expect(await markerOf(env, message)).toMatchObject({
          status: "rejected",
          reason: "invalid_payload",
          sequenceNumber: records[record]!.kinesis.sequenceNumber,
        });
      }
      const invalidData = new Set(invalid.map(({ record }) => records[record]!.kinesis.data));
      for (const r of records.filter((x) => invalidData.has(x.kinesis.data)))
        expect(
          await ledgerItem(env, recordLedgerKey(shard.shardId, r.kinesis.sequenceNumber)),
        ).toBeUndefined();
      // Notifications: each notify-note once (claims + the notified flag survive lost responses).
      const expectedNotified = messages
        .filter((m) => m?.type === "note.added" && m.data.notify)
        .map((m) => `crm-rails#${m!.jti}`);
      expect(sent.map((n) => n.idempotencyKey).sort()).toEqual(expectedNotified.sort());
    }),
    { numRuns: Number(process.env.KJP_MODEL_RUNS ?? 20), endOnFailure: true },
  );
}, 240_000);
