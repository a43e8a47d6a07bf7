import fc from "fast-check";
import { interpretResult } from "./response.js";
import { decide, newBatch, type PendingBatch } from "./retry-policy.js";

/**
 * Whole-lane behaviour of the retry policy, driven like the shard poller drives it: a function that fails
 * (throws, or reports the bad records) whenever a batch holds a bad record. Whatever the batch, the bad set
 * and the settings: every record ends exactly once, done or discarded; good records never get discarded when
 * bisecting can isolate them; done records come out in stream order.
 */
function runLane(
  size: number,
  bad: ReadonlySet<number>,
  opts: { bisect: boolean; maxRetries: number; report: boolean },
): { done: number[]; discarded: number[]; invocations: number } {
  const settings = {
    maximumRetryAttempts: opts.maxRetries,
    maximumRecordAgeInSeconds: -1,
    bisectBatchOnFunctionError: opts.bisect,
  };
  const pending: Array<PendingBatch<number>> = [newBatch(Array.from({ length: size }, (_, i) => i))];
  const done: number[] = [];
  const discarded: number[] = [];
  let invocations = 0;
  while (pending.length > 0) {
    const batch = pending.shift() as PendingBatch<number>;
    batch.invocations++;
    invocations++;
    const failing = batch.records.filter((r) => bad.has(r));
    const seqs = batch.records.map((r) => String(1000 + r));
    const result =
      failing.length === 0
        ? { kind: "returned" as const, value: undefined }
        : opts.report
          ? {
              kind: "returned" as const,
              value: { batchItemFailures: failing.map((r) => ({ itemIdentifier: String(1000 + r) })) },
            }
          : { kind: "threw" as const, error: new Error("bad record") };
    const decision = decide(batch, interpretResult(result, seqs, true), settings);
    done.push(...decision.done);
    if (decision.discarded) discarded.push(...decision.discarded.batch.records);
    pending.unshift(...decision.next);
    if (invocations > 10_000) throw new Error("runaway");
  }
  return { done, discarded, invocations };
}

describe("retry policy over a whole lane", () => {
  it("ends every record exactly once, in order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.nat(39), { maxLength: 5 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        (size, badList, bisect, maxRetries, report) => {
          const bad = new Set(badList.filter((b) => b < size));
          const { done, discarded } = runLane(size, bad, { bisect, maxRetries, report });
          const all = [...done, ...discarded].sort((a, b) => a - b);
          expect(all).toEqual(Array.from({ length: size }, (_, i) => i));
          expect(done).toEqual([...done].sort((a, b) => a - b));
          for (const b of bad) expect(done).not.toContain(b);
          if (bisect && !report)
            expect(discarded.sort((a, b) => a - b)).toEqual([...bad].sort((a, b) => a - b));
          if (bad.size === 0) expect(discarded).toEqual([]);
        },
      ),
    );
  });

  it("invokes a lone bad record maxRetries + 1 times before discarding it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), (maxRetries) => {
        expect(runLane(1, new Set([0]), { bisect: true, maxRetries, report: false }).invocations).toBe(
          maxRetries + 1,
        );
      }),
    );
  });
});
