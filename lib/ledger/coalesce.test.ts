import type { Effect, PutEffect, UpdateEffect } from "../effects/effects.js";
import { coalesceEffects, planTransaction } from "./coalesce.js";
import { type CommitUnit, newUnitState } from "./commit-unit.js";
import { packChunks, selectWave } from "./pack.js";

const key = { pk: "account#a", sk: "pipeline#EUR" };
const totals = (stage: string, amount: number, from?: string): UpdateEffect => ({
  op: "update",
  key,
  set: { entity: "pipeline_totals" },
  add: { [`count_${stage}`]: 1, [`amount_${stage}`]: amount, ...(from ? { [`count_${from}`]: -1 } : {}) },
});
const contact = (ms: number, name = "Ada"): PutEffect => ({
  op: "put",
  key: { pk: "account#a", sk: "contact#c" },
  attributes: { givenName: name, updatedAtMs: ms },
  condition: {
    expression: "attribute_not_exists(pk) OR updatedAtMs < :updatedAtMs",
    values: { ":updatedAtMs": ms },
    onFailed: "skip",
  },
});
const firstOnly = (body: string): PutEffect => ({
  op: "put",
  key: { pk: "account#a", sk: "note#n" },
  attributes: { body },
  condition: { expression: "attribute_not_exists(pk)", onFailed: "skip" },
});

describe("coalesceEffects", () => {
  test("concatenates APPENDs in order, and never merges an attribute appended and set", () => {
    const a: UpdateEffect = { op: "update", key, append: { seqs: [1] } };
    const b: UpdateEffect = { op: "update", key, append: { seqs: [2, 3] } };
    expect(coalesceEffects([a, b])).toEqual({ op: "update", key, append: { seqs: [1, 2, 3] } });
    expect(coalesceEffects([a, { op: "update", key, set: { seqs: [9] } }])).toBeUndefined();
  });

  test("sums ADDs, keeps the last SET and the first SET-if-absent", () => {
    const a: UpdateEffect = { op: "update", key, set: { s: 1 }, setIfAbsent: { f: "x" }, add: { n: 2 } };
    const b: UpdateEffect = {
      op: "update",
      key,
      set: { s: 2 },
      setIfAbsent: { f: "y" },
      add: { n: -5, m: 1 },
    };
    expect(coalesceEffects([a, b])).toEqual({
      op: "update",
      key,
      set: { s: 2 },
      setIfAbsent: { f: "x" },
      add: { n: -3, m: 1 },
    });
  });
  test("refuses updates whose order matters or whose sum could round", () => {
    const cond: UpdateEffect = { ...totals("won", 1), condition: { expression: "x", onFailed: "skip" } };
    expect(coalesceEffects([totals("won", 1), cond])).toBeUndefined();
    const remove: UpdateEffect = { op: "update", key, remove: ["s"] };
    expect(coalesceEffects([totals("won", 1), remove])).toBeUndefined();
    const setN: UpdateEffect = { op: "update", key, set: { count_won: 0 } };
    expect(coalesceEffects([totals("won", 1), setN])).toBeUndefined();
    const frac: UpdateEffect = { op: "update", key, add: { count_won: 0.1 } };
    expect(coalesceEffects([totals("won", 1), frac])).toBeUndefined();
    const big: UpdateEffect = { op: "update", key, add: { count_won: Number.MAX_SAFE_INTEGER } };
    expect(coalesceEffects([totals("won", 1), big])).toBeUndefined();
  });
  test("keeps the first put of the highest version among newer-wins puts", () => {
    const merged = coalesceEffects([contact(5, "a"), contact(9, "b"), contact(7, "c"), contact(9, "d")]);
    expect(merged).toEqual(contact(9, "b"));
  });
  test("keeps the first of create-only puts", () => {
    expect(coalesceEffects([firstOnly("one"), firstOnly("two")])).toEqual(firstOnly("one"));
  });
  test("refuses puts it cannot reason about", () => {
    const plain: PutEffect = { op: "put", key: contact(1).key, attributes: {} };
    expect(coalesceEffects([contact(1), plain])).toBeUndefined();
    const rejecting: PutEffect = {
      ...contact(2),
      condition: { ...contact(2).condition!, onFailed: "reject" },
    };
    expect(coalesceEffects([contact(1), rejecting])).toBeUndefined();
    const lying: PutEffect = { ...contact(3), attributes: { updatedAtMs: 1 } };
    expect(coalesceEffects([contact(1), lying])).toBeUndefined();
    const other: PutEffect = {
      ...contact(4),
      condition: {
        expression: "attribute_not_exists(pk) OR v < :updatedAtMs",
        values: { ":updatedAtMs": 4 },
        onFailed: "skip",
      },
    };
    expect(coalesceEffects([contact(1), other])).toBeUndefined();
    expect(coalesceEffects([contact(1), firstOnly("x") as Effect])).toBeUndefined();
    expect(coalesceEffects([contact(1), totals("won", 1)])).toBeUndefined();
  });
});

let ref = 0;
function unit(orderKey: string, effects: Effect[]): CommitUnit {
  const ledger = { kind: "marker" as const, pk: `msg#iss#${ref}`, item: {} };
  return { ref: ref++, orderKey, ledger, effects, rejectWith: () => ledger, state: newUnitState() };
}
const queues = (units: CommitUnit[]) => {
  const q = new Map<string, CommitUnit[]>();
  for (const u of units) q.set(u.orderKey, [...(q.get(u.orderKey) ?? []), u]);
  return q;
};

describe("waves with coalescing", () => {
  test("a hot key's updates of one item share a wave, as many as the item limit allows", () => {
    const hot = Array.from({ length: 150 }, (_, i) => unit("hot", [i % 2 ? totals("won", i) : contact(i)]));
    const wave = selectWave(queues(hot), 100);
    expect(wave).toHaveLength(1);
    // 98 ledger markers + the totals item + the contact item.
    expect(wave[0]!.units).toHaveLength(98);
    expect(wave[0]!.items).toBe(100);
    const plan = planTransaction(
      packChunks(wave, 100)[0]!.flatMap((c) => c.units),
      () => ({}),
      "p",
    );
    expect(plan.items).toHaveLength(100);
    expect(plan.roles).toHaveLength(100);
  });
  test("an item another key took in this wave still cuts the chunk", () => {
    const a = unit("a", [totals("won", 1)]);
    const b1 = unit("b", [totals("won", 2)]);
    const wave = selectWave(queues([a, b1]), 100);
    expect(wave.map((c) => c.orderKey)).toEqual(["a"]);
  });
  test("a coalesced put whose condition fails is skipped for every message of the group", () => {
    const units = [unit("k", [contact(1)]), unit("k", [contact(2)]), unit("k", [firstOnly("n")])];
    const plan = planTransaction(units, () => ({}), "p");
    // ledger, contact (merged), ledger, ledger, note
    expect(plan.items).toHaveLength(5);
    const reasons = plan.items.map(() => ({ Code: "None" }));
    reasons[1] = { Code: "ConditionalCheckFailed" };
    const verdicts = plan.classify(reasons);
    expect(units.map((u) => verdicts.get(u))).toEqual([
      { kind: "effectConditions", skip: [0], reject: [] },
      { kind: "effectConditions", skip: [0], reject: [] },
      { kind: "innocent" },
    ]);
    expect(units.some((u) => u.state.isolate)).toBe(false);
  });
  test("any other trouble with a coalesced write isolates its messages and blames none of them", () => {
    const units = [unit("k", [totals("won", 1)]), unit("k", [totals("won", 2)]), unit("k", [firstOnly("n")])];
    const plan = planTransaction(units, () => ({}), "p");
    const reasons = plan.items.map(() => ({ Code: "None" }));
    reasons[1] = { Code: "TransactionConflict" };
    const verdicts = plan.classify(reasons);
    expect(units.map((u) => verdicts.get(u)?.kind)).toEqual(["innocent", "innocent", "innocent"]);
    expect(units.map((u) => u.state.isolate)).toEqual([true, true, false]);
    // An isolated message is retried alone, never merged again.
    expect(selectWave(queues(units), 100)[0]!.units).toEqual([units[0]]);
  });
  test("once committed, puts a coalesced write certainly skipped count as skipped effects", () => {
    const units = [
      unit("k", [contact(5)]),
      unit("k", [contact(9)]),
      unit("k", [contact(7)]),
      unit("k", [contact(9)]),
      unit("k", [firstOnly("a")]),
      unit("k", [firstOnly("b")]),
    ];
    const plan = planTransaction(units, () => ({}), "p");
    expect(units.map((u) => u.state.skippedEffects)).toEqual([0, 0, 0, 0, 0, 0]);
    plan.settle();
    expect(units.map((u) => u.state.skippedEffects)).toEqual([0, 0, 1, 1, 0, 1]);
  });
});
