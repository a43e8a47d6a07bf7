import { selectFollowUps } from "./follow-ups.js";
import { assessRange, unrecoverableFromError } from "./range-reader.js";
import { byStreamPosition, compareSequenceNumbers, streamNameFromArn } from "../kinesis/sequence.js";

const range = (start: string, end: string) => ({
  streamName: "s",
  shardId: "shardId-000000000000",
  startSequenceNumber: start,
  endSequenceNumber: end,
});
const named = (name: string, message = "x") => Object.assign(new Error(message), { name });

describe("sequence numbers", () => {
  test("compare as numbers, not strings (lengths differ)", () => {
    expect(compareSequenceNumbers("9", "10")).toBe(-1);
    expect(
      compareSequenceNumbers(
        "49590338271490256608559692538361571095921575989136588898",
        "49590338271490256608559692538361571095921575989136588898",
      ),
    ).toBe(0);
    expect(
      compareSequenceNumbers(
        "49590338271490256608559692538361571095921575989136588899",
        "4959033827149025660855969253836157109592157598913658889",
      ),
    ).toBe(1);
    const sorted = [
      { shardId: "shardId-000000000001", sequenceNumber: "5" },
      { shardId: "shardId-000000000000", sequenceNumber: "100" },
      { shardId: "shardId-000000000000", sequenceNumber: "20" },
    ].sort(byStreamPosition);
    expect(sorted.map((r) => `${r.shardId.slice(-1)}:${r.sequenceNumber}`)).toEqual(["0:20", "0:100", "1:5"]);
  });

  test("the stream name of a stream ARN", () => {
    expect(streamNameFromArn("arn:aws:kinesis:eu-west-1:123456789012:stream/kjp-prod-events")).toBe(
      "kjp-prod-events",
    );
    expect(streamNameFromArn("arn:aws:sqs:eu-west-1:123456789012:q")).toBeUndefined();
  });
});

describe("range bookkeeping", () => {
  test("complete: starts at the start record and reaches the end", () => {
    expect(assessRange(range("10", "30"), ["10", "20", "30"], true)).toBeUndefined();
    expect(assessRange(range("10", "10"), ["10"], true)).toBeUndefined();
  });

  test("trimmed: the first record still there is later than the start", () => {
    expect(assessRange(range("10", "30"), ["15", "20", "30"], true)).toMatchObject({ code: "trimmed" });
  });

  test("not found: nothing at or after the start", () => {
    expect(assessRange(range("10", "30"), [], false)).toMatchObject({ code: "range_not_found" });
  });

  test("incomplete: the shard ended before the end sequence number", () => {
    expect(assessRange(range("10", "30"), ["10", "20"], false)).toMatchObject({
      code: "range_incomplete",
      detail: expect.stringContaining("10…20"),
    });
  });

  test("open range (no end): complete as long as it starts at the start", () => {
    expect(assessRange(range("10", ""), ["10", "11"], false)).toBeUndefined();
    expect(assessRange(range("10", ""), ["12"], true)).toMatchObject({ code: "trimmed" });
  });

  test("AWS errors: trimmed, missing stream/shard/record are unrecoverable; anything else is transient", () => {
    const r = range("10", "30");
    expect(unrecoverableFromError(r, named("TrimmedDataAccessException"))).toMatchObject({ code: "trimmed" });
    expect(
      unrecoverableFromError(
        r,
        named("ResourceNotFoundException", "Stream kjp-x under account 1 not found."),
      ),
    ).toMatchObject({ code: "stream_not_found" });
    expect(
      unrecoverableFromError(
        r,
        named("ResourceNotFoundException", "Shard shardId-000000000007 in stream kjp-x not found"),
      ),
    ).toMatchObject({ code: "shard_not_found" });
    expect(
      unrecoverableFromError(
        r,
        named("ResourceNotFoundException", "Unable to find record with provided SequenceNumber 1"),
      ),
    ).toMatchObject({ code: "range_not_found" });
    expect(
      unrecoverableFromError(
        r,
        named(
          "InvalidArgumentException",
          "StartingSequenceNumber 1 used in GetShardIterator on shard shardId-000000000000 is invalid",
        ),
      ),
    ).toMatchObject({ code: "range_not_found" });
    expect(unrecoverableFromError(r, named("ProvisionedThroughputExceededException"))).toBeUndefined();
    expect(unrecoverableFromError(r, named("TimeoutError"))).toBeUndefined();
  });

  test("follow-ups: every record of a failed key from its first failure on, nothing of other keys", () => {
    const records = [
      { shardId: "s", sequenceNumber: "1", partitionKey: "a", data: "" },
      { shardId: "s", sequenceNumber: "2", partitionKey: "b", data: "" },
      { shardId: "s", sequenceNumber: "3", partitionKey: "a", data: "" },
      { shardId: "s", sequenceNumber: "4", partitionKey: "c", data: "" },
      { shardId: "s", sequenceNumber: "5", partitionKey: "b", data: "" },
      { shardId: "s", sequenceNumber: "6", partitionKey: "a", data: "" },
    ];
    const picked = selectFollowUps(records, [
      { shardId: "s", sequenceNumber: "3", partitionKey: "a" },
      { shardId: "s", sequenceNumber: "6", partitionKey: "a" },
      { shardId: "s", sequenceNumber: "5", partitionKey: "b" },
    ]);
    expect(picked.map((r) => r.sequenceNumber)).toEqual(["3", "5", "6"]);
  });
});
