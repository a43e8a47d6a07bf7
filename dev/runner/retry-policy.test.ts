import type { BatchOutcome } from "./response.js";
import { decide, newBatch, retriesExhausted, splitExpired } from "./retry-policy.js";

const settings = {
  maximumRetryAttempts: 2,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
};
const threw: BatchOutcome = { kind: "failed", cause: "function_error", detail: "Error: x" };
const invalid: BatchOutcome = { kind: "failed", cause: "invalid_response", detail: "" };

describe("retry, bisect and age bookkeeping", () => {
  it("commits everything on success", () => {
    expect(decide(newBatch([1, 2, 3]), { kind: "success" }, settings)).toEqual({
      done: [1, 2, 3],
      next: [],
      retried: false,
      bisected: false,
    });
  });

  it("commits before the first failed record and retries the rest", () => {
    const d = decide(
      newBatch([1, 2, 3, 4]),
      { kind: "partial", firstFailedIndex: 2, failedSequenceNumber: "3" },
      settings,
    );
    expect(d.done).toEqual([1, 2]);
    expect(d.next).toEqual([{ records: [3, 4], retries: 1, invocations: 0 }]);
    expect(d.retried).toBe(true);
  });

  it("retries a failed batch up to maximumRetryAttempts, then discards it", () => {
    let batch = { ...newBatch([1, 2]), invocations: 1 };
    for (let retry = 1; retry <= 2; retry++) {
      const d = decide(batch, threw, settings);
      expect(d.retried).toBe(true);
      expect(d.discarded).toBeUndefined();
      batch = { ...(d.next[0] as typeof batch), invocations: batch.invocations + 1 };
      expect(batch.retries).toBe(retry);
    }
    const last = decide(batch, invalid, settings);
    expect(last.discarded).toEqual({
      batch: { records: [1, 2], retries: 2, invocations: 3 },
      condition: "RetryAttemptsExhausted",
    });
    expect(last.next).toEqual([]);
  });

  it("discards after the first failure with maximumRetryAttempts 0, and never with -1", () => {
    expect(decide(newBatch([1]), threw, { ...settings, maximumRetryAttempts: 0 }).discarded?.condition).toBe(
      "RetryAttemptsExhausted",
    );
    const forever = { ...newBatch([1]), retries: 9999 };
    expect(decide(forever, threw, { ...settings, maximumRetryAttempts: -1 }).retried).toBe(true);
    expect(retriesExhausted(10_000, -1)).toBe(false);
    expect(retriesExhausted(3, 3)).toBe(true);
  });

  it("bisects on a function error without using a retry", () => {
    const d = decide({ records: [1, 2, 3, 4, 5], retries: 1, invocations: 2 }, threw, {
      ...settings,
      bisectBatchOnFunctionError: true,
    });
    expect(d.bisected).toBe(true);
    expect(d.retried).toBe(false);
    expect(d.next).toEqual([
      { records: [1, 2, 3], retries: 1, invocations: 0 },
      { records: [4, 5], retries: 1, invocations: 0 },
    ]);
  });

  it("does not bisect a single record or a response failure", () => {
    const bisect = { ...settings, bisectBatchOnFunctionError: true };
    expect(decide(newBatch([1]), threw, bisect).bisected).toBe(false);
    expect(decide(newBatch([1, 2]), invalid, bisect).bisected).toBe(false);
  });

  it("isolates one bad record by bisecting, then retries only it", () => {
    const bisect = { ...settings, bisectBatchOnFunctionError: true };
    const bad = 6;
    const queue = [newBatch([1, 2, 3, 4, 5, 6, 7, 8])];
    const done: number[] = [];
    let discarded: number[] = [];
    let invocations = 0;
    while (queue.length > 0) {
      const batch = queue.shift() as ReturnType<typeof newBatch<number>>;
      invocations++;
      const d = decide(
        { ...batch, invocations: batch.invocations + 1 },
        batch.records.includes(bad) ? threw : { kind: "success" },
        bisect,
      );
      done.push(...d.done);
      queue.unshift(...d.next);
      if (d.discarded) discarded = d.discarded.batch.records;
    }
    expect(done).toEqual([1, 2, 3, 4, 5, 7, 8]);
    expect(discarded).toEqual([6]);
    // 1 + 2 + 2 + 2 bisect levels (8→4→2→1) plus 2 retries of the lone bad record.
    expect(invocations).toBe(9);
  });

  it("splits records past the maximum age", () => {
    const now = 1_000_000;
    const arrivals = [now - 70_000, now - 61_000, now - 59_000, now];
    expect(splitExpired(arrivals, (a) => a, now, 60)).toEqual({
      expired: [now - 70_000, now - 61_000],
      fresh: [now - 59_000, now],
    });
    expect(splitExpired(arrivals, (a) => a, now, -1)).toEqual({ expired: [], fresh: arrivals });
  });
});
