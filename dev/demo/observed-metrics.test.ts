import { jest } from "@jest/globals";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { emptyTally, ObservedMetrics } from "./observed-metrics.js";

/** Runs `emit` and returns what it wrote: Powertools writes EMF through its own Console on process.stdout. */
function emittedBy(emit: () => void): string[] {
  const emitted: string[] = [];
  const log = jest.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
    emitted.push(String(chunk));
    return true;
  });
  try {
    emit();
  } finally {
    log.mockRestore();
  }
  return emitted;
}

describe("ObservedMetrics", () => {
  test("sums the consumer's batch metrics and still emits them", () => {
    const tally = emptyTally();
    const metrics = new ObservedMetrics({ namespace: "kjp-test", serviceName: "demo" }, tally);
    const emitted = emittedBy(() => {
      for (const [processed, duplicate] of [
        [3, 1],
        [2, 0],
      ] as const) {
        metrics.addMetric("batchSize", MetricUnit.Count, processed + duplicate + 1);
        metrics.addMetric("processed", MetricUnit.Count, processed);
        metrics.addMetric("duplicate", MetricUnit.Count, duplicate);
        metrics.addMetric("rejected", MetricUnit.Count, 1);
        metrics.addMetric("failed", MetricUnit.Count, 0);
        metrics.publishStoredMetrics();
      }
      // A document without batchSize (e.g. something else publishing) is not a batch.
      metrics.addMetric("coldStart", MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    });
    expect(tally).toEqual({
      invocations: 2,
      processed: 5,
      duplicate: 1,
      rejected: 2,
      failed: 0,
      rejectedByReason: {},
    });
    expect(emitted).toHaveLength(3);
    expect(JSON.parse(emitted[0]!)).toMatchObject({ processed: 3, duplicate: 1 });
  });

  test("counts rejections by reason from the consumer's single metrics, which are still emitted", () => {
    const tally = emptyTally();
    const metrics = new ObservedMetrics({ namespace: "kjp-test", serviceName: "demo" }, tally);
    const emitted = emittedBy(() => {
      for (const [reason, n] of [
        ["expired", 2],
        ["unknown_key", 1],
        ["expired", 3],
      ] as const) {
        const single = metrics.singleMetric();
        single.addDimension("reason", reason);
        single.addMetric("rejectedByReason", MetricUnit.Count, n);
      }
    });
    expect(tally.rejectedByReason).toEqual({ expired: 5, unknown_key: 1 });
    expect(emitted.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ reason: "expired", rejectedByReason: 2 }),
      expect.objectContaining({ reason: "unknown_key", rejectedByReason: 1 }),
      expect.objectContaining({ reason: "expired", rejectedByReason: 3 }),
    ]);
  });
});
