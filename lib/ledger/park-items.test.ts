import {
  attemptCounterKey,
  parkedItemKey,
  parkMarkerKey,
  parsePosition,
  positionOf,
  sortPositions,
} from "./park-items.js";

describe("park items", () => {
  test("parked positions sort by sequence number as integers, not as strings", () => {
    const shard = "shardId-000000000001";
    const positions = ["9", "10", "49590338271490256608559692538361571095921575989136588898", "100"].map(
      (s) => positionOf(shard, s),
    );
    expect(sortPositions(positions).map((p) => parsePosition(p).sequenceNumber)).toEqual([
      "9",
      "10",
      "100",
      "49590338271490256608559692538361571095921575989136588898",
    ]);
  });

  test("a position round-trips, and the three kinds of key never share a prefix", () => {
    expect(parsePosition(positionOf("shardId-000000000002", "42"))).toEqual({
      shardId: "shardId-000000000002",
      sequenceNumber: "42",
    });
    // A partition key is the producer's choice: whatever it holds, a park marker stays a park marker.
    expect(parkMarkerKey("parked#x")).toBe("park#parked#x");
    expect(parkMarkerKey("a").startsWith("parked#")).toBe(false);
    expect(parkedItemKey("shardId-1", "5")).toBe("parked#shardId-1#5");
    expect(attemptCounterKey("shardId-1", "5")).toBe("attempts#shardId-1#5");
  });
});
