import { RefreshingWindowCache, type WindowLoadRequest } from "./refreshing-window.js";

const HOUR = 3_600_000;

/** A cache over a fake clock whose loads the test resolves or fails by hand. */
function harness(maxHours = 2) {
  let clock = 10 * HOUR;
  const loads: {
    request: WindowLoadRequest;
    resolve: (entries: [string, number][]) => void;
    reject: (e: Error) => void;
  }[] = [];
  const cache = new RefreshingWindowCache<number>({
    maxHours,
    now: () => clock,
    timeOf: (t) => t,
    load: (request) =>
      new Promise((resolve, reject) => {
        loads.push({ request, resolve, reject });
      }),
  });
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { cache, loads, settle, advance: (ms: number) => (clock += ms), now: () => clock };
}

test("concurrent callers share one refresh and see the same window end", async () => {
  const { cache, loads, settle, now } = harness();
  const a = cache.window(1);
  const b = cache.window(2);
  const c = cache.refresh();
  await settle();
  expect(loads).toHaveLength(1);
  loads[0]!.resolve([["x", now() - 30 * 60_000]]);
  const [wa, wb, until] = await Promise.all([a, b, c]);
  expect(wa).toEqual({ values: [now() - 30 * 60_000], sinceMs: now() - HOUR, untilMs: now() });
  expect(wb.untilMs).toBe(until);
  expect(wb.sinceMs).toBe(now() - 2 * HOUR);
});

test("a failed refresh reaches its callers, keeps what was held, and the next call refreshes again", async () => {
  const { cache, loads, settle, advance, now } = harness();
  const first = cache.window(2);
  await settle();
  loads[0]!.resolve([["kept", now() - 60_000]]);
  const held = (await first).values;
  expect(held).toHaveLength(1);

  advance(60_000);
  const failing = cache.window(2);
  await settle();
  loads[1]!.reject(new Error("DynamoDB unavailable"));
  await expect(failing).rejects.toThrow("DynamoDB unavailable");

  const again = cache.window(2);
  await settle();
  expect(loads).toHaveLength(3);
  // The failed load is not taken as covered: the next one starts from the last successful one.
  expect(loads[2]!.request.coveredUntilMs).toBe(loads[0]!.request.untilMs);
  expect(loads[2]!.request.has("kept")).toBe(true);
  loads[2]!.resolve([]);
  expect((await again).values).toEqual(held);
});

test("each call refreshes, and entries that left the widest window expire", async () => {
  const { cache, loads, settle, advance, now } = harness(2);
  const first = cache.window(2);
  await settle();
  const old = now() - 90 * 60_000;
  loads[0]!.resolve([
    ["old", old],
    ["recent", now() - 60_000],
  ]);
  expect((await first).values).toHaveLength(2);

  advance(HOUR);
  const later = cache.window(2);
  await settle();
  expect(loads).toHaveLength(2);
  expect(loads[1]!.request).toMatchObject({ untilMs: now(), oldestMs: now() - 2 * HOUR });
  loads[1]!.resolve([["recent", now() - 1_000]]);
  const { values } = await later;
  // "old" is 150 minutes old now: gone; "recent" was replaced by its newer version under the same key.
  expect(values).toEqual([now() - 1_000]);
  // Expired from the store too, not only filtered out of the window.
  expect(loads[1]!.request.has("old")).toBe(false);
  expect(loads[1]!.request.has("recent")).toBe(true);
});
