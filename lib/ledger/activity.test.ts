import { ACTIVITY_SHARDS, activityBucket, activityBuckets } from "./activity.js";

test("an item's bucket is its hour and a shard stable for its spread key", () => {
  const at = Date.parse("2026-11-27T14:35:00Z");
  const position = "shardId-000000000000:4959";
  const bucket = activityBucket(at, position);
  expect(bucket).toMatch(/^2026-11-27T14#[0-9]$/);
  expect(Number(bucket.split("#")[1])).toBeLessThan(ACTIVITY_SHARDS);
  expect(activityBucket(at + 60_000, position)).toBe(bucket);
});

test("spread keys spread over every shard", () => {
  const at = Date.parse("2026-11-27T14:35:00Z");
  const shards = new Set(Array.from({ length: 200 }, (_, i) => activityBucket(at, `s:${i}`)));
  expect(shards.size).toBe(ACTIVITY_SHARDS);
});

test("the buckets of a window cover every hour it touches, every shard", () => {
  const buckets = activityBuckets(Date.parse("2026-11-27T13:50:00Z"), Date.parse("2026-11-27T15:10:00Z"));
  expect(buckets).toHaveLength(3 * ACTIVITY_SHARDS);
  expect(buckets[0]).toBe("2026-11-27T13#0");
  expect(buckets.at(-1)).toBe(`2026-11-27T15#${ACTIVITY_SHARDS - 1}`);
});
