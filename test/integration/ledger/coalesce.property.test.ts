import {
  DeleteTableCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import type { Effect } from "../../../lib/effects/effects.js";
import { fromAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { coalesceEffects } from "../../../lib/ledger/coalesce.js";
import { ensureConsumerTables } from "../../../lib/ledger/tables.js";
import { effectTransactItem } from "../../../lib/ledger/transact-items.js";
import { uniqueName } from "../runner/runner-fixture.js";

/**
 * Coalescing is only an optimisation if it is invisible: for random starting items and random runs of the
 * effects the processors write (totals updates, newer-wins contact puts, create-only note puts), applying each
 * item's effects merged into one write must leave DynamoDB Local's table exactly as applying them one by one
 * (each in its own transaction, a failed `skip` condition being a no-op), the way the pipeline did before.
 */
const dynamodb = dynamoDbClient();
const tables = { ledgerTable: uniqueName("kjp-co-ledger"), projectionsTable: uniqueName("kjp-co-proj") };

beforeAll(() => ensureConsumerTables(dynamodb, tables));
afterAll(async () => {
  await Promise.allSettled(
    Object.values(tables).map((TableName) => dynamodb.send(new DeleteTableCommand({ TableName }))),
  );
  dynamodb.destroy();
});

type Item = "totals" | "contact" | "note";
type Step =
  | { item: "totals"; set: number; ifAbsent: number; add: Record<string, number> }
  | { item: "contact"; ms: number; name: string }
  | { item: "note"; body: string };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    item: fc.constant("totals" as const),
    set: fc.nat(3),
    ifAbsent: fc.nat(3),
    add: fc.dictionary(
      fc.constantFrom("count_won", "count_lost", "amount_won"),
      fc.integer({ min: -50, max: 50 }),
      {
        minKeys: 1,
      },
    ),
  }),
  fc.record({
    item: fc.constant("contact" as const),
    ms: fc.nat(6),
    name: fc.constantFrom("Ada", "Grace", "Edsger"),
  }),
  fc.record({ item: fc.constant("note" as const), body: fc.constantFrom("one", "two", "three") }),
);

/** What may already be stored: each item absent, or present with some earlier state. */
const startArb = fc.record({
  totals: fc.option(fc.record({ count_won: fc.integer({ min: -5, max: 5 }), createdBy: fc.constant("old") })),
  contact: fc.option(fc.record({ updatedAtMs: fc.nat(6), givenName: fc.constant("Old") })),
  note: fc.option(fc.record({ body: fc.constant("old") })),
});

function effectOf(step: Step, pk: string): Effect {
  switch (step.item) {
    case "totals":
      return {
        op: "update",
        key: { pk, sk: "pipeline#EUR" },
        set: { entity: "pipeline_totals", last: step.set },
        setIfAbsent: { createdBy: `step-${step.ifAbsent}` },
        add: step.add,
      };
    case "contact":
      return {
        op: "put",
        key: { pk, sk: "contact#c" },
        attributes: { givenName: step.name, updatedAtMs: step.ms },
        condition: {
          expression: "attribute_not_exists(pk) OR updatedAtMs < :updatedAtMs",
          values: { ":updatedAtMs": step.ms },
          onFailed: "skip",
        },
      };
    case "note":
      return {
        op: "put",
        key: { pk, sk: "note#n" },
        attributes: { body: step.body },
        condition: { expression: "attribute_not_exists(pk)", onFailed: "skip" },
      };
  }
}

const SK: Record<Item, string> = { totals: "pipeline#EUR", contact: "contact#c", note: "note#n" };

async function apply(effects: Effect[]): Promise<void> {
  const TransactItems = effects.map((e) => effectTransactItem(e, tables.projectionsTable));
  try {
    await dynamodb.send(new TransactWriteItemsCommand({ TransactItems }));
  } catch (error) {
    // One item per transaction here, all with onFailed "skip": a failed condition is a no-op.
    if (!(error instanceof TransactionCanceledException)) throw error;
    if (effects.length > 1) throw error;
  }
}

async function contents(pk: string): Promise<unknown[]> {
  const out = await dynamodb.send(
    new QueryCommand({
      TableName: tables.projectionsTable,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: pk } },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((i) => {
    const { pk: _pk, ...rest } = fromAttributeMap(i);
    return rest;
  });
}

let run = 0;
test("coalesced writes leave the table as one-by-one writes do", async () => {
  await fc.assert(
    fc.asyncProperty(startArb, fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (start, steps) => {
      run++;
      const sides = [`seq#${run}`, `coalesced#${run}`];
      for (const pk of sides) {
        const seed: Effect[] = [];
        for (const item of ["totals", "contact", "note"] as const) {
          const state = start[item];
          if (state) seed.push({ op: "put", key: { pk, sk: SK[item] }, attributes: state });
        }
        if (seed.length) await apply(seed);
      }
      const [seqPk, coPk] = sides as [string, string];
      for (const step of steps) await apply([effectOf(step, seqPk)]);
      for (const item of ["totals", "contact", "note"] as const) {
        const group = steps.filter((s) => s.item === item).map((s) => effectOf(s, coPk));
        if (group.length === 0) continue;
        const merged = coalesceEffects(group);
        expect(merged).toBeDefined();
        await apply([merged!]);
      }
      expect(await contents(coPk)).toEqual(await contents(seqPk));
    }),
    { numRuns: 40 },
  );
}, 120_000);
