import { EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, logBatches } from "./log-shipper.js";

describe("PutLogEvents batching", () => {
  it("keeps each batch within the event count", () => {
    const events = Array.from({ length: MAX_BATCH_EVENTS * 2 + 1 }, (_, i) => ({
      message: "x",
      timestamp: i,
    }));
    expect(logBatches(events).map((b) => b.length)).toEqual([MAX_BATCH_EVENTS, MAX_BATCH_EVENTS, 1]);
  });

  it("keeps each batch within the byte limit (message + 26 bytes each)", () => {
    const message = "y".repeat(100_000);
    const batches = logBatches(Array.from({ length: 25 }, (_, i) => ({ message, timestamp: i })));
    for (const batch of batches) {
      expect(
        batch.reduce((n, e) => n + Buffer.byteLength(e.message ?? "") + EVENT_OVERHEAD_BYTES, 0),
      ).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    expect(batches.flat()).toHaveLength(25);
    expect(batches).toHaveLength(3);
  });
});
