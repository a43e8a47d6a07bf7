import type { Effect } from "../effects/effects.js";
import { fromAttributeMap, toAttributeMap } from "./attribute-values.js";
import { classifyCancellation, type ItemRole } from "./cancellation.js";
import { type CommitUnit, newUnitState, unitItemIds } from "./commit-unit.js";
import { packChunks, selectWave } from "./pack.js";
import { effectTransactItem, updateExpression } from "./transact-items.js";

let ref = 0;
function unit(orderKey: string, effects: Effect[], pk = `msg#iss#${ref}`): CommitUnit {
  const ledger = { kind: "marker" as const, pk, item: {} };
  return { ref: ref++, orderKey, ledger, effects, rejectWith: () => ledger, state: newUnitState() };
}
const put = (pk: string, sk = "x"): Effect => ({ op: "put", key: { pk, sk }, attributes: { a: 1 } });
const queues = (units: CommitUnit[]) => {
  const q = new Map<string, CommitUnit[]>();
  for (const u of units) q.set(u.orderKey, [...(q.get(u.orderKey) ?? []), u]);
  return q;
};

describe("transaction packing", () => {
  test("takes a prefix per key, never the same item twice in a wave, never more than the item limit per transaction", () => {
    const a1 = unit("a", [put("acct1")]);
    const a2 = unit("a", [put("acct2")]);
    const a3 = unit("a", [put("acct1")]); // touches a1's item: must wait for the next wave
    const a4 = unit("a", [put("acct3")]); // after a3: must wait too (order)
    const b1 = unit("b", [put("acct2")]); // touches a2's item: waits
    const c1 = unit("c", [put("acct9")]);
    const wave = selectWave(queues([a1, a2, a3, a4, b1, c1]), 100);
    expect(wave.map((c) => [c.orderKey, c.units.map((u) => u.ref)])).toEqual([
      ["a", [a1.ref, a2.ref]],
      ["c", [c1.ref]],
    ]);
    const ids = wave.flatMap((c) => c.units.flatMap(unitItemIds));
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("splits into transactions of at most maxItems, keeping a key's chunk whole and in order", () => {
    const units = Array.from({ length: 30 }, (_, i) => unit(`k${i % 7}`, [put(`p${i}`), put(`q${i}`)]));
    const wave = selectWave(queues(units), 10);
    const transactions = packChunks(wave, 10);
    for (const t of transactions) expect(t.reduce((n, c) => n + c.items, 0)).toBeLessThanOrEqual(10);
    for (const chunk of wave) {
      const refs = chunk.units.map((u) => u.ref);
      expect(refs).toEqual([...refs].sort((x, y) => x - y));
      expect(chunk.items).toBeLessThanOrEqual(10);
    }
    expect(transactions.flat().length).toBe(wave.length);
  });

  test("100 messages of marker + 1 effect fill two transactions of 100 items", () => {
    const units = Array.from({ length: 100 }, (_, i) => unit(`k${i}`, [put(`acct${i}`)]));
    const transactions = packChunks(selectWave(queues(units), 100), 100);
    expect(transactions.map((t) => t.reduce((n, c) => n + c.items, 0))).toEqual([100, 100]);
  });

  test("keeps each transaction's request under the byte budget (large rejected records)", () => {
    const big = () => {
      const u = unit(`k${ref}`, []);
      u.ledger = { kind: "rejection", pk: u.ledger.pk, attributes: { raw: "x".repeat(1_000) } };
      return u;
    };
    const units = Array.from({ length: 10 }, big);
    const transactions = packChunks(selectWave(queues(units), 100, 3_000), 100, 3_000);
    expect(transactions.map((t) => t.length)).toEqual([2, 2, 2, 2, 2]);
    expect(transactions.flat().every((c) => c.bytes > 1_000)).toBe(true);
  });

  test("an isolated unit gets a transaction alone", () => {
    const u = unit("a", [put("x")]);
    u.state.isolate = true;
    const transactions = packChunks(
      selectWave(queues([u, unit("b", [put("y")]), unit("a", [put("z")])]), 100),
      100,
    );
    expect(transactions.map((t) => t.flatMap((c) => c.units.length))).toEqual([[1], [1]]);
  });

  test("the first unit of the first key always fits (progress)", () => {
    const big = unit(
      "a",
      Array.from({ length: 99 }, (_, i) => put(`p${i}`)),
    );
    expect(selectWave(queues([big]), 100)[0]!.units).toEqual([big]);
  });
});

describe("cancellation reasons", () => {
  test("tells duplicates, effect conflicts, throttling and innocent units apart", () => {
    const dup = unit("a", [put("p1")]);
    const stale = unit("b", [
      { ...put("p2"), condition: { expression: "attribute_not_exists(pk)", onFailed: "skip" } },
    ]);
    const refused = unit("c", [
      { ...put("p3"), condition: { expression: "attribute_not_exists(pk)", onFailed: "reject" } },
    ]);
    const throttled = unit("d", [put("p4")]);
    const innocent = unit("e", [put("p5")]);
    const held = unit("f", []);
    const roles: ItemRole[] = [];
    for (const u of [dup, stale, refused, throttled, innocent, held]) {
      roles.push({ unit: u, role: "ledger" });
      u.effects.forEach((_, effectIndex) => roles.push({ unit: u, role: "effect", effectIndex }));
    }
    const verdicts = classifyCancellation(roles, [
      { Code: "ConditionalCheckFailed", Item: { status: { S: "done" } } },
      { Code: "None" },
      { Code: "None" },
      { Code: "ConditionalCheckFailed" },
      { Code: "None" },
      { Code: "ConditionalCheckFailed" },
      { Code: "None" },
      { Code: "TransactionConflict" },
      { Code: "None" },
      { Code: "None" },
      { Code: "ConditionalCheckFailed", Item: { status: { S: "in_progress" } } },
    ]);
    expect(verdicts.get(dup)).toEqual({ kind: "duplicate" });
    expect(verdicts.get(stale)).toEqual({ kind: "effectConditions", skip: [0], reject: [] });
    expect(verdicts.get(refused)).toEqual({ kind: "effectConditions", skip: [], reject: [0] });
    expect(verdicts.get(throttled)).toEqual({ kind: "retry", code: "TransactionConflict" });
    expect(verdicts.get(innocent)).toEqual({ kind: "innocent" });
    expect(verdicts.get(held)).toEqual({ kind: "claimHeld" });
  });
});

describe("effects as transaction items", () => {
  test("update: SET, if_not_exists, ADD and REMOVE with reserved placeholders", () => {
    const u = updateExpression({ set: { a: "x" }, setIfAbsent: { b: 1 }, add: { n: -2 }, remove: ["old"] });
    expect(u.expression).toBe("SET #_0 = :_0, #_1 = if_not_exists(#_1, :_1) ADD #_2 :_2 REMOVE #_3");
    expect(u.names).toEqual({ "#_0": "a", "#_1": "b", "#_2": "n", "#_3": "old" });
    expect(u.values).toEqual({ ":_0": { S: "x" }, ":_1": { N: "1" }, ":_2": { N: "-2" } });
  });
  test("update: APPEND creates the list when absent and keeps its order", () => {
    const u = updateExpression({ append: { seqs: [1, 2] }, add: { n: 1 } });
    expect(u.expression).toBe("SET #_0 = list_append(if_not_exists(#_0, :_0), :_1) ADD #_2 :_2");
    expect(u.names).toEqual({ "#_0": "seqs", "#_2": "n" });
    expect(u.values).toEqual({ ":_0": { L: [] }, ":_1": { L: [{ N: "1" }, { N: "2" }] }, ":_2": { N: "1" } });
  });
  test("a put carries its key and condition", () => {
    const item = effectTransactItem(
      {
        op: "put",
        key: { pk: "p", sk: "s" },
        attributes: { v: 1 },
        condition: { expression: "x < :x", values: { ":x": 2 }, onFailed: "skip" },
      },
      "T",
    );
    expect(item.Put).toMatchObject({
      TableName: "T",
      Item: { pk: { S: "p" }, sk: { S: "s" }, v: { N: "1" } },
      ConditionExpression: "x < :x",
      ExpressionAttributeValues: { ":x": { N: "2" } },
    });
  });
  test("refuses an empty update and reserved placeholders", () => {
    expect(() => effectTransactItem({ op: "update", key: { pk: "p", sk: "s" } }, "T")).toThrow(
      /set, add or remove/,
    );
    expect(() =>
      effectTransactItem(
        {
          op: "delete",
          key: { pk: "p", sk: "s" },
          condition: { expression: "#_x = :y", names: { "#_x": "a" }, onFailed: "reject" },
        },
        "T",
      ),
    ).toThrow(/reserved/);
  });
  test("attribute values round-trip", () => {
    const v = { s: "x", n: 1.5, b: true, z: null, l: [1, "a"], m: { k: [false] } };
    expect(fromAttributeMap(toAttributeMap(v))).toEqual(v);
    expect(() => toAttributeMap({ bad: Number.NaN })).toThrow(/cannot store/);
  });
});
