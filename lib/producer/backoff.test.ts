import { backoffDelayMs, retryDelayWithin } from "./backoff.js";

const policy = { baseMs: 100, capMs: 5_000 };

describe("backoffDelayMs (full jitter)", () => {
  test("the window doubles per attempt up to the cap", () => {
    const top = (attempt: number) => backoffDelayMs(attempt, policy, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 7].map(top)).toEqual([99, 199, 399, 799, 1599, 3199, 4999]);
    expect(top(60)).toBe(4999);
  });

  test("the delay is drawn uniformly from [0, window)", () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });

  test("attempt 0 or below behaves like the first attempt", () => {
    expect(backoffDelayMs(0, policy, () => 0.5)).toBe(50);
  });
});

describe("retryDelayWithin", () => {
  test("gives the delay while it fits before the deadline", () => {
    expect(retryDelayWithin(2, 1_000, 1_100, policy, () => 0.5)).toBe(100);
  });

  test("gives up when the retry would land after the deadline", () => {
    expect(retryDelayWithin(2, 1_000, 1_099, policy, () => 0.5)).toBeUndefined();
  });
});
