import type { KinesisStreamRecord } from "aws-lambda";
import { compareSequenceNumbers } from "../kinesis/sequence.js";
import { batchItemFailures } from "./batch-item-failures.js";
import { decodeRecord } from "./decode.js";
import { groupByPartitionKey, segmentGroups } from "./group.js";
import { failureFromError, isFinished } from "./outcome.js";
import { peekIdentity } from "./peek.js";
import { runByKey } from "./run-by-key.js";
import { TransientError } from "../errors/kjp-error.js";

const rec = (partitionKey: string, seq: string) => ({ partitionKey, seq });

describe("groupByPartitionKey", () => {
  test("keys keep the order of their first record and records keep batch order within a key", () => {
    const groups = groupByPartitionKey([
      rec("b", "1"),
      rec("a", "2"),
      rec("b", "3"),
      rec("c", "4"),
      rec("a", "5"),
    ]);
    expect([...groups.keys()]).toEqual(["b", "a", "c"]);
    expect(groups.get("b")!.map((r) => r.seq)).toEqual(["1", "3"]);
    expect(groups.get("a")!.map((r) => r.seq)).toEqual(["2", "5"]);
  });
  test("an empty batch has no groups", () => expect(groupByPartitionKey([]).size).toBe(0));
});

describe("segmentGroups", () => {
  test("cuts whole groups into segments of about the given size, in order", () => {
    const groups = groupByPartitionKey([
      rec("a", "1"),
      rec("a", "2"),
      rec("b", "3"),
      rec("c", "4"),
      rec("c", "5"),
      rec("c", "6"),
      rec("d", "7"),
    ]);
    const segments = segmentGroups(groups, 3);
    expect(segments.map((s) => [...s.keys()])).toEqual([["a", "b"], ["c"], ["d"]]);
    expect(segments.flatMap((s) => [...s.values()].flat().map((r) => r.seq))).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
    ]);
  });
  test("a group larger than the size is one segment; everything fits one segment when the size allows", () => {
    const groups = groupByPartitionKey([rec("a", "1"), rec("a", "2"), rec("a", "3"), rec("b", "4")]);
    expect(segmentGroups(groups, 2).map((s) => [...s.keys()])).toEqual([["a"], ["b"]]);
    expect(segmentGroups(groups, 100)).toHaveLength(1);
    expect(segmentGroups(new Map(), 10)).toEqual([]);
  });
  test("the first segment can be smaller than the rest (commits start sooner)", () => {
    const groups = groupByPartitionKey(["a", "b", "c", "d", "e", "f", "g"].map((k, i) => rec(k, String(i))));
    expect(segmentGroups(groups, 3, 1).map((s) => [...s.keys()])).toEqual([
      ["a"],
      ["b", "c", "d"],
      ["e", "f", "g"],
    ]);
  });
});

describe("runByKey", () => {
  test("strictly sequential within a key, concurrent across keys, and a stop skips the key's later records", async () => {
    const groups = groupByPartitionKey([
      rec("a", "1"),
      rec("b", "2"),
      rec("a", "3"),
      rec("b", "4"),
      rec("a", "5"),
    ]);
    const log: string[] = [];
    const inFlight = new Map<string, number>();
    let maxConcurrentKeys = 0;
    const skipped: string[] = [];
    await runByKey(
      groups,
      2,
      async (r) => {
        inFlight.set(r.partitionKey, (inFlight.get(r.partitionKey) ?? 0) + 1);
        expect(inFlight.get(r.partitionKey)).toBe(1);
        maxConcurrentKeys = Math.max(maxConcurrentKeys, [...inFlight.values()].filter((n) => n > 0).length);
        await new Promise((res) => setTimeout(res, 5));
        log.push(r.seq);
        inFlight.set(r.partitionKey, 0);
        return r.seq === "3" ? "stop" : "continue";
      },
      (r, after) => skipped.push(`${r.seq}<${after.seq}`),
    );
    expect(log.filter((s) => ["1", "3", "5"].includes(s))).toEqual(["1", "3"]);
    expect(log.filter((s) => ["2", "4"].includes(s))).toEqual(["2", "4"]);
    expect(skipped).toEqual(["5<3"]);
    expect(maxConcurrentKeys).toBe(2);
  });
  test("the concurrency bound holds", async () => {
    const groups = groupByPartitionKey(Array.from({ length: 10 }, (_, i) => rec(`k${i}`, String(i))));
    let now = 0;
    let peak = 0;
    await runByKey(
      groups,
      3,
      async () => {
        peak = Math.max(peak, ++now);
        await new Promise((res) => setTimeout(res, 2));
        now--;
        return "continue";
      },
      () => undefined,
    );
    expect(peak).toBe(3);
  });
});

describe("batchItemFailures (checkpoint selection)", () => {
  test("reports every unfinished record, lowest sequence number first, compared as integers", () => {
    const response = batchItemFailures([
      { sequenceNumber: "100", unfinished: false },
      { sequenceNumber: "99", unfinished: true },
      { sequenceNumber: "1000", unfinished: true },
      { sequenceNumber: "200", unfinished: true },
      { sequenceNumber: "300", unfinished: false },
    ]);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["99", "200", "1000"]);
  });
  test("all finished: an empty list (Lambda checkpoints the whole batch)", () => {
    expect(batchItemFailures([{ sequenceNumber: "1", unfinished: false }])).toEqual({
      batchItemFailures: [],
    });
  });
  test("compares 56-digit sequence numbers numerically", () => {
    const a = "49590338271490256608559692538361571095921575989136588898";
    const b = "49590338271490256608559692538361571095921575989136588899";
    expect(compareSequenceNumbers(a, b)).toBeLessThan(0);
    expect(compareSequenceNumbers("9", a)).toBeLessThan(0);
    expect(compareSequenceNumbers(b, b)).toBe(0);
  });
});

describe("outcome classification", () => {
  test("failed and unfinished records are not finished; the rest are acknowledged", () => {
    expect(isFinished({ status: "processed", skippedEffects: 0 })).toBe(true);
    expect(isFinished({ status: "duplicate" })).toBe(true);
    expect(isFinished({ status: "rejected", reason: "bad_signature", detail: "x" })).toBe(true);
    expect(isFinished({ status: "failed", code: "x", detail: "x" })).toBe(false);
    expect(isFinished({ status: "unfinished", reason: "unfinished_after_failure", detail: "x" })).toBe(false);
  });
  test("a thrown error keeps its stable code when it has one", () => {
    expect(
      failureFromError(new TransientError("key_set_unavailable", "down"), "verify_failed"),
    ).toMatchObject({ code: "key_set_unavailable" });
    expect(failureFromError(new Error("boom"), "processor_failed")).toEqual({
      status: "failed",
      code: "processor_failed",
      detail: "Error: boom",
    });
  });
});

describe("decodeRecord and peekIdentity", () => {
  const token = `${Buffer.from('{"alg":"ES256"}').toString("base64url")}.${Buffer.from('{"iss":"crm","jti":"j-1"}').toString("base64url")}.sig`;
  const record: KinesisStreamRecord = {
    eventID: "shardId-000000000006:4959",
    eventName: "aws:kinesis:record",
    eventVersion: "1.0",
    eventSource: "aws:kinesis",
    awsRegion: "us-east-1",
    invokeIdentityArn: "arn",
    eventSourceARN: "arn",
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: "acc_1",
      sequenceNumber: "4959",
      data: Buffer.from(token).toString("base64"),
      approximateArrivalTimestamp: 1_700_000_000.5,
    },
  };
  test("decodes data, shard, sequence number and partition key", () => {
    const d = decodeRecord(record, 3);
    expect(d).toMatchObject({
      index: 3,
      shardId: "shardId-000000000006",
      sequenceNumber: "4959",
      partitionKey: "acc_1",
      arrivedAt: 1_700_000_000_500,
    });
    expect(d.data.toString()).toBe(token);
  });
  test("reads iss and jti without verifying, and nothing from junk", () => {
    expect(peekIdentity(Buffer.from(token))).toEqual({ iss: "crm", jti: "j-1" });
    expect(peekIdentity(Buffer.from("junk"))).toBeUndefined();
    expect(peekIdentity(Buffer.from("a.bm90IGpzb24.c"))).toBeUndefined();
    expect(
      peekIdentity(Buffer.from(`a.${Buffer.from('{"iss":1,"jti":"x"}').toString("base64url")}.c`)),
    ).toBeUndefined();
  });
});
