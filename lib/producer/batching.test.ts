import fc from "fast-check";
import { insertBySeq, selectBatch, type BatchCandidate } from "./batching.js";

const none = new Set<string>();
const entry = (seq: number, partitionKey: string, bytes = 10, notBefore = 0): BatchCandidate => ({
  seq,
  partitionKey,
  bytes,
  notBefore,
});
const limits = { maxRecords: 500, maxBytes: 5 * 1024 * 1024, onePerKey: false };

describe("selectBatch", () => {
  test("takes entries in publish order up to the record limit", () => {
    const queue = Array.from({ length: 7 }, (_, i) => entry(i, `k${i}`));
    const batch = selectBatch(queue, none, 0, { ...limits, maxRecords: 5 });
    expect(batch.entries.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(batch.full).toBe(true);
    expect(batch.bytes).toBe(50);
  });

  test("a partial batch is not full", () => {
    expect(selectBatch([entry(0, "a")], none, 0, limits).full).toBe(false);
  });

  test("stops adding a key once one of its entries does not fit the remaining bytes; other keys may still fill the room", () => {
    const queue = [entry(0, "a", 60), entry(1, "b", 50), entry(2, "b", 5), entry(3, "c", 30)];
    const batch = selectBatch(queue, none, 0, { ...limits, maxBytes: 100 });
    expect(batch.entries.map((e) => e.seq)).toEqual([0, 3]);
    expect(batch.full).toBe(true);
  });

  test("an entry still backing off holds back every later entry of its key", () => {
    const queue = [entry(0, "a", 10, 500), entry(1, "a"), entry(2, "b")];
    expect(selectBatch(queue, none, 100, limits).entries.map((e) => e.seq)).toEqual([2]);
    expect(selectBatch(queue, none, 500, limits).entries.map((e) => e.seq)).toEqual([0, 1, 2]);
  });

  test("keys with a request in flight are skipped entirely", () => {
    const queue = [entry(0, "a"), entry(1, "b"), entry(2, "a")];
    expect(selectBatch(queue, new Set(["a"]), 0, limits).entries.map((e) => e.seq)).toEqual([1]);
  });

  test("onePerKey takes only the first entry of each key", () => {
    const queue = [entry(0, "a"), entry(1, "a"), entry(2, "b"), entry(3, "a"), entry(4, "c")];
    expect(selectBatch(queue, none, 0, { ...limits, onePerKey: true }).entries.map((e) => e.seq)).toEqual([
      0, 2, 4,
    ]);
  });

  test("property: limits hold and, per key, the selection is a prefix of that key's queued entries", () => {
    const arbQueue = fc.array(
      fc.record({
        key: fc.constantFrom("a", "b", "c", "d"),
        bytes: fc.integer({ min: 1, max: 400 }),
        backoff: fc.boolean(),
      }),
      { maxLength: 80 },
    );
    fc.assert(
      fc.property(
        arbQueue,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 400, max: 3000 }),
        fc.boolean(),
        fc.subarray(["a", "b", "c", "d"]),
        (items, maxRecords, maxBytes, onePerKey, inFlight) => {
          const queue = items.map((it, i) => entry(i, it.key, it.bytes, it.backoff ? 10 : 0));
          const batch = selectBatch(queue, new Set(inFlight), 5, { maxRecords, maxBytes, onePerKey });
          expect(batch.entries.length).toBeLessThanOrEqual(maxRecords);
          expect(batch.bytes).toBe(batch.entries.reduce((n, e) => n + e.bytes, 0));
          expect(batch.bytes).toBeLessThanOrEqual(maxBytes);
          const chosen = new Set(batch.entries);
          for (const key of ["a", "b", "c", "d"]) {
            const ofKey = queue.filter((e) => e.partitionKey === key);
            const picked = ofKey.map((e) => chosen.has(e));
            // No unpicked entry is followed by a picked one: nothing overtakes an earlier entry of its key.
            expect(picked.indexOf(false) === -1 || picked.lastIndexOf(true) < picked.indexOf(false)).toBe(
              true,
            );
            if (inFlight.includes(key)) expect(picked.some(Boolean)).toBe(false);
            if (onePerKey) expect(picked.filter(Boolean).length).toBeLessThanOrEqual(1);
            if (ofKey.length > 0 && ofKey[0]!.notBefore > 5) expect(picked.some(Boolean)).toBe(false);
          }
          const seqs = batch.entries.map((e) => e.seq);
          expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("insertBySeq", () => {
  test("puts a retried entry back at its publish-order position", () => {
    const queue = [entry(1, "a"), entry(4, "a"), entry(9, "b")];
    insertBySeq(queue, entry(3, "a"));
    insertBySeq(queue, entry(0, "c"));
    insertBySeq(queue, entry(10, "c"));
    expect(queue.map((e) => e.seq)).toEqual([0, 1, 3, 4, 9, 10]);
  });
});
