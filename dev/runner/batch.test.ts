import { batchLength, batchReadiness, laneFor } from "./batch.js";
import { MAX_INVOCATION_PAYLOAD_BYTES } from "./event-size.js";

const limits = { batchSize: 3, maximumBatchingWindowInSeconds: 0 };

describe("batch building", () => {
  it("takes at most the batch size", () => {
    expect(batchLength([10, 10, 10, 10, 10], limits)).toBe(3);
    expect(batchLength([10, 10], limits)).toBe(2);
    expect(batchLength([], limits)).toBe(0);
  });

  it("stops before the 6 MB invocation payload limit", () => {
    const mib = 1024 * 1024;
    // Six records of ~1.3 MiB (a 1 MiB record base64-encoded) cannot all fit in 6 MiB: four do.
    const sizes = Array.from({ length: 6 }, () => Math.ceil(mib * 1.34));
    expect(batchLength(sizes, { batchSize: 100 })).toBe(4);
    const exact = [MAX_INVOCATION_PAYLOAD_BYTES - 14 - 1 - 100, 100];
    expect(batchLength(exact, { batchSize: 100 })).toBe(2);
    expect(batchLength([...exact, 1], { batchSize: 100 })).toBe(2);
  });

  it("always takes a lone record", () => {
    expect(batchLength([MAX_INVOCATION_PAYLOAD_BYTES], { batchSize: 10 })).toBe(1);
  });

  it("with no batching window invokes as soon as records are queued", () => {
    expect(batchReadiness([5], 1000, 1000, limits)).toEqual({ ready: true });
    expect(batchReadiness([], undefined, 1000, limits)).toEqual({ ready: false, waitMs: undefined });
  });

  it("with a window waits for it, unless the batch or the payload is full", () => {
    const windowed = { batchSize: 3, maximumBatchingWindowInSeconds: 2 };
    expect(batchReadiness([5], 1000, 1500, windowed)).toEqual({ ready: false, waitMs: 1500 });
    expect(batchReadiness([5], 1000, 3000, windowed)).toEqual({ ready: true });
    expect(batchReadiness([5, 5, 5], 1000, 1001, windowed)).toEqual({ ready: true });
    expect(batchReadiness([4_000_000, 4_000_000], 1000, 1001, windowed)).toEqual({ ready: true });
    expect(batchReadiness([5], 1000, 1001, windowed, true)).toEqual({ ready: true });
  });

  it("keeps a partition key on one lane", () => {
    expect(laneFor("anything", 1)).toBe(0);
    const lanes = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const lane = laneFor(`key-${i}`, 4);
      expect(lane).toBe(laneFor(`key-${i}`, 4));
      expect(lane).toBeGreaterThanOrEqual(0);
      expect(lane).toBeLessThan(4);
      lanes.add(lane);
    }
    expect(lanes.size).toBe(4);
  });
});
