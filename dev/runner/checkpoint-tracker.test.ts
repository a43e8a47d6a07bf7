import { CheckpointTracker } from "./checkpoint-tracker.js";

describe("shard checkpoint over out-of-order completion", () => {
  it("only passes records when every earlier record is done", () => {
    const t = new CheckpointTracker("5");
    ["10", "20", "30", "40"].forEach((s) => t.add(s));
    t.markDone("20");
    t.markDone("40");
    expect(t.advance()).toBeUndefined();
    expect(t.checkpoint).toBe("5");
    t.markDone("10");
    expect(t.advance()).toBe("20");
    expect(t.outstanding).toBe(2);
    t.markDone("30");
    expect(t.advance()).toBe("40");
    expect(t.outstanding).toBe(0);
    expect(t.advance()).toBeUndefined();
  });

  it("stays correct over many records", () => {
    const t = new CheckpointTracker();
    for (let i = 1; i <= 10_000; i++) t.add(String(i));
    for (let i = 10_000; i >= 2; i--) t.markDone(String(i));
    expect(t.advance()).toBeUndefined();
    t.markDone("1");
    expect(t.advance()).toBe("10000");
    t.add("10001");
    t.markDone("10001");
    expect(t.advance()).toBe("10001");
  });
});
