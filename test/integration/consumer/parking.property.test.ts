import fc from "fast-check";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import type { Effect } from "../../../lib/effects/effects.js";
import type { Processor } from "../../../lib/effects/processor.js";
import { readParkMarker } from "../../../lib/ledger/park-items.js";
import { engineDepsFromPipelineDeps } from "../../../lib/replay/replay-deps.js";
import { drainParkedKeys } from "../../../lib/replay/parked-drain.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import { accountItems, event, FakeShard, id, noteMessage, pipelineFor, sign, useTestEnv } from "./support.js";

/**
 * Model-based: one shard of random messages over a few partition keys, processed by the live consumer with
 * Lambda's rule (resume from the lowest reported sequence number, retry without a count, a lost response
 * means the same batch again), with random DynamoDB outages (from the start of an invocation or part-way
 * through it: after its n-th call every call fails, like a network partition), random poison (a message whose
 * processor throws until the poison is cleared), and drains of parked keys interleaved at random steps.
 * Whatever happens, every message must end applied exactly once, and in sequence order per partition key.
 *
 * Order is checked by the data itself: each message's effect is conditional on the previous message of its
 * key having been applied last (and refuses otherwise), so an out-of-order or repeated application leaves a
 * trace that the final check sees.
 */
const env = useTestEnv();

const stepArb = fc.record({
  /** No outage, an outage from the first call, or from the n-th DynamoDB call of the invocation on. */
  outageAfterCalls: fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 8 }) },
  ),
  crash: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  drain: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  /** A drain that itself meets an outage part-way. */
  drainOutageAfterCalls: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 }) },
  ),
});

const scenarioArb = fc.record({
  /** The key of each message. */
  keys: fc.array(fc.nat(2), { minLength: 1, maxLength: 18 }),
  /** Per message: poisoned until the poison is cleared (a processor bug fixed, a dependency back). */
  poison: fc.array(
    fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    { minLength: 18, maxLength: 18 },
  ),
  /** Per message: transient failures that pass by themselves. */
  flaky: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
    ),
    { minLength: 18, maxLength: 18 },
  ),
  batchSize: fc.integer({ min: 1, max: 8 }),
  steps: fc.array(stepArb, { minLength: 40, maxLength: 40 }),
  /** The step at which the poison is cleared. */
  cureAt: fc.integer({ min: 0, max: 30 }),
  parkAfterAttempts: fc.integer({ min: 1, max: 3 }),
});

/** A client on the same emulator whose calls fail once `budget` calls have been made (budget undefined: never). */
function outageClient(): { client: DynamoDBClient; failAfter: (calls: number | undefined) => void } {
  const client = dynamoDbClient({ maxAttempts: 1 });
  let left: number | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (left !== undefined) {
        if (left <= 0)
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1 (outage)"), { code: "ECONNREFUSED" });
        left--;
      }
      return next(args);
    },
    { step: "initialize", name: "injectedOutage" },
  );
  return { client, failAfter: (calls) => (left = calls) };
}

test("each message is applied once and in order per key, across live processing, parking and drains", async () => {
  const live = outageClient();
  const drainer = outageClient();
  // Across the runs, parking and drains must really happen (else the property proves nothing about them).
  let parked = 0;
  let drained = 0;
  try {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const accounts = [id("acc"), id("acc"), id("acc")];
        const shard = new FakeShard();
        const notes = new Map<string, { key: number; n: number; i: number }>();
        const perKey = [0, 0, 0];
        const records: KinesisStreamRecord[] = [];
        for (const [i, k] of s.keys.entries()) {
          const m = noteMessage(accounts[k]!, false);
          notes.set(String(m.data.noteId), { key: k, n: ++perKey[k]!, i });
          records.push(shard.record(accounts[k]!, await sign(env, m)));
        }

        let step = 0;
        const calls = new Map<number, number>();
        const base = createProcessorRegistry();
        const processors = new Map<string, Processor>(base);
        processors.set("note.added", (msg) => {
          const note = notes.get(String(msg.data.noteId))!;
          const n = (calls.get(note.i) ?? 0) + 1;
          calls.set(note.i, n);
          if (s.poison[note.i] && step < s.cureAt) throw new Error("injected poison");
          if (n <= (s.flaky[note.i] ?? 0)) throw new Error("injected transient failure");
          const effect: Effect = {
            op: "update",
            key: { pk: `account#${accounts[note.key]}`, sk: "order" },
            set: { last: note.n },
            add: { applied: 1 },
            condition:
              note.n === 1
                ? {
                    expression: "attribute_not_exists(#last)",
                    names: { "#last": "last" },
                    onFailed: "reject",
                  }
                : {
                    expression: "#last = :prev",
                    names: { "#last": "last" },
                    values: { ":prev": note.n - 1 },
                    onFailed: "reject",
                  },
          };
          return { kind: "effects", effects: [effect] };
        });
        const settings = { parkAfterAttempts: s.parkAfterAttempts, parkAfterAgeSeconds: 86_400 };
        const consumer = pipelineFor(env, { processors, dynamodb: live.client, settings });
        const drainDeps = engineDepsFromPipelineDeps({
          verify: env.verify,
          processors,
          dynamodb: drainer.client,
          ledgerTable: env.ledgerTable,
          projectionsTable: env.projectionsTable,
          settings,
        });

        let checkpoint = 0;
        const parkedKeysLeft = async () => {
          const left = [];
          for (const a of accounts) if (await readParkMarker(env.client, env.ledgerTable, a)) left.push(a);
          return left;
        };
        for (; step < 400; step++) {
          const plan = s.steps[step] ?? { outageAfterCalls: undefined, crash: false, drain: true };
          if (checkpoint >= records.length && step >= s.cureAt && (await parkedKeysLeft()).length === 0)
            break;
          if (checkpoint < records.length) {
            live.failAfter(plan.outageAfterCalls);
            const batch = records.slice(checkpoint, checkpoint + s.batchSize);
            const result = await consumer.process(event(batch));
            live.failAfter(undefined);
            parked += result.reports.filter((r) => r.outcome.status === "parked").length;
            if (!plan.crash) {
              const first = result.response.batchItemFailures[0]?.itemIdentifier;
              checkpoint = first
                ? records.findIndex((r) => r.kinesis.sequenceNumber === first)
                : checkpoint + batch.length;
            }
          }
          if (plan.drain || checkpoint >= records.length) {
            drainer.failAfter("drainOutageAfterCalls" in plan ? plan.drainOutageAfterCalls : undefined);
            const result = await drainParkedKeys(drainDeps, { keys: accounts }).catch(() => undefined);
            drained += result?.keys.reduce((n, k) => n + k.drained, 0) ?? 0;
            drainer.failAfter(undefined);
          }
        }
        expect(checkpoint).toBe(records.length);
        expect(await parkedKeysLeft()).toEqual([]);
        for (const [k, account] of accounts.entries()) {
          const order = (await accountItems(env, account)).order;
          if (perKey[k] === 0) expect(order).toBeUndefined();
          else expect(order).toMatchObject({ last: perKey[k], applied: perKey[k] });
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
    expect(parked).toBeGreaterThan(0);
    expect(drained).toBeGreaterThan(0);
  } finally {
    live.client.destroy();
    drainer.client.destroy();
  }
}, 600_000);
