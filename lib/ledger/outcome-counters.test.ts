import {
  coalesceOutcomes,
  counterAttribute,
  counterUpdates,
  minutesBetween,
  type OutcomeEntry,
  outcomeCounterKey,
  parseCounterAttribute,
} from "./outcome-counters.js";

const entries = (n: number, entry: OutcomeEntry): OutcomeEntry[] => Array.from({ length: n }, () => entry);

test("a batch's records coalesce into one count per outcome, type and reason", () => {
  const counts = coalesceOutcomes([
    ...entries(90, { outcome: "processed", type: "note.added" }),
    ...entries(5, { outcome: "processed", type: "deal.stage_changed" }),
    ...entries(3, { outcome: "duplicate", type: "note.added" }),
    ...entries(2, { outcome: "rejected", type: "(other)", reason: "unknown_key" }),
    { outcome: "rejected", type: "note.added", reason: "invalid_payload" },
    { outcome: "failed", type: "note.added", reason: "processor_failed" },
  ]);
  expect(counts).toHaveLength(6);
  expect(counts).toEqual(
    expect.arrayContaining([
      { outcome: "processed", type: "note.added", n: 90 },
      { outcome: "processed", type: "deal.stage_changed", n: 5 },
      { outcome: "duplicate", type: "note.added", n: 3 },
      { outcome: "rejected", type: "(other)", reason: "unknown_key", n: 2 },
      { outcome: "rejected", type: "note.added", reason: "invalid_payload", n: 1 },
      { outcome: "failed", type: "note.added", reason: "processor_failed", n: 1 },
    ]),
  );
  expect(counts.reduce((n, c) => n + c.n, 0)).toBe(102);
});

test("a coalesced batch is one update of one item, whatever its size", () => {
  const counts = coalesceOutcomes(entries(10_000, { outcome: "processed", type: "note.added" }));
  const updates = counterUpdates("ledger", counts, { minute: "2026-11-27T17:05", shard: 2, ttl: 1 });
  expect(updates).toHaveLength(1);
  expect(updates[0]!.Key).toEqual({ pk: { S: "stats#2026-11-27T17:05#2" } });
  expect(updates[0]!.UpdateExpression).toBe("ADD #c0 :c0 SET #minute = :minute, #ttl = :ttl");
  expect(updates[0]!.ExpressionAttributeValues![":c0"]).toEqual({ N: "10000" });
});

test("many kinds in one batch split into updates of at most 50 counters", () => {
  const many = Array.from({ length: 120 }, (_, i): OutcomeEntry => ({
    outcome: "failed",
    type: "note.added",
    reason: `code_${i}`,
  }));
  const updates = counterUpdates("ledger", coalesceOutcomes(many), { minute: "m", shard: 0, ttl: 1 });
  expect(updates.map((u) => Object.keys(u.ExpressionAttributeValues!).length - 2)).toEqual([50, 50, 20]);
  for (const u of updates) expect(u.UpdateExpression!.length).toBeLessThan(4096);
});

test("counter names round-trip, and a hostile part can neither add a field nor grow without bound", () => {
  const entry: OutcomeEntry = { outcome: "rejected", type: "note.added", reason: "claims" };
  expect(parseCounterAttribute(counterAttribute(entry))).toEqual(entry);
  expect(parseCounterAttribute(counterAttribute({ outcome: "processed", type: "t" }))).toEqual({
    outcome: "processed",
    type: "t",
  });
  const hostile = counterAttribute({ outcome: "failed", type: "x|processed|y", reason: "z".repeat(5000) });
  expect(hostile.length).toBeLessThan(140);
  expect(parseCounterAttribute(hostile)).toEqual({
    outcome: "failed",
    type: "x/processed/y",
    reason: "z".repeat(64),
  });
  expect(parseCounterAttribute("minute")).toBeUndefined();
  expect(parseCounterAttribute("n|exploded|t|")).toBeUndefined();
});

test("keys name the minute and the shard; a window lists every minute it touches", () => {
  expect(outcomeCounterKey("2026-11-27T17:05", 3)).toBe("stats#2026-11-27T17:05#3");
  const minutes = minutesBetween(Date.parse("2026-11-27T16:58:30Z"), Date.parse("2026-11-27T17:01:10Z"));
  expect(minutes).toEqual(["2026-11-27T16:58", "2026-11-27T16:59", "2026-11-27T17:00", "2026-11-27T17:01"]);
});
