import { createHash } from "node:crypto";
import fc from "fast-check";
import { AGGREGATION_MAGIC, isAggregate } from "./aggregate-framing.js";
import { AggregatedRecordType, encodeAggregate } from "./aggregated-record.js";
import { AGGREGATE_LIMITS, deaggregate } from "./aggregation.js";

const token = (n: number) => Buffer.from(`eyJhbGciOiJFZERTQSJ9.eyJuIjo${n}fQ.c2ln`, "ascii");

/** Wraps protobuf bytes the producer way (magic + body + MD5), so only the body is wrong. */
const wrap = (body: Uint8Array, digest = createHash("md5").update(body).digest()) =>
  Buffer.concat([AGGREGATION_MAGIC, body, digest]);

const aggregateOf = (n: number, partitionKey = "acc_1") =>
  encodeAggregate({
    partitionKeys: [partitionKey],
    records: Array.from({ length: n }, (_, i) => ({ partitionKeyIndex: 0, data: token(i) })),
  });

describe("deaggregate", () => {
  test("a plain token is not an aggregate", () => {
    expect(isAggregate(token(1))).toBe(false);
    expect(deaggregate(token(1))).toEqual({ kind: "plain" });
    expect(deaggregate(new Uint8Array())).toEqual({ kind: "plain" });
  });

  test("unpacks user records in order with their sub-sequence, key and exact bytes", () => {
    const result = deaggregate(aggregateOf(3));
    expect(result.kind).toBe("aggregate");
    if (result.kind !== "aggregate") return;
    expect(result.records.map((r) => [r.subSequenceNumber, r.partitionKey, r.data.toString()])).toEqual([
      [0, "acc_1", token(0).toString()],
      [1, "acc_1", token(1).toString()],
      [2, "acc_1", token(2).toString()],
    ]);
  });

  test("resolves partition and explicit hash keys through their tables", () => {
    const bytes = encodeAggregate({
      partitionKeys: ["a", "b"],
      explicitHashKeys: ["340282366920938463463374607431768211455"],
      records: [
        { partitionKeyIndex: 1, data: token(0) },
        { partitionKeyIndex: 0, explicitHashKeyIndex: 0, data: token(1) },
      ],
    });
    const result = deaggregate(bytes);
    if (result.kind !== "aggregate") throw new Error(JSON.stringify(result));
    expect(result.records.map((r) => [r.partitionKey, r.explicitHashKey])).toEqual([
      ["b", undefined],
      ["a", "340282366920938463463374607431768211455"],
    ]);
  });

  const corrupt = (bytes: Uint8Array) => {
    const result = deaggregate(bytes);
    expect(result.kind).toBe("corrupt");
    return result.kind === "corrupt" ? result.detail : "";
  };

  test("a wrong MD5 is corrupt", () => {
    const bytes = aggregateOf(2);
    bytes[bytes.length - 1]! ^= 1;
    expect(corrupt(bytes)).toMatch(/MD5/);
  });

  test("magic with no room for a digest is corrupt", () => {
    expect(corrupt(Buffer.concat([AGGREGATION_MAGIC, Buffer.alloc(16)]))).toMatch(/too short/);
    expect(corrupt(AGGREGATION_MAGIC)).toMatch(/too short/);
  });

  test("a truncated protobuf with a matching digest is corrupt", () => {
    const body = AggregatedRecordType.encode(
      AggregatedRecordType.fromObject({
        partition_key_table: ["k"],
        records: [{ partition_key_index: 0, data: token(0) }],
      }),
    ).finish();
    expect(corrupt(wrap(body.subarray(0, body.length - 5)))).toMatch(/protobuf/);
  });

  test("a missing required field is corrupt", () => {
    // records[0] with data only (field 3), no partition_key_index (field 1).
    const body = Uint8Array.of(0x0a, 0x01, 0x6b, 0x1a, 0x03, 0x1a, 0x01, 0x78);
    expect(corrupt(wrap(body))).toMatch(/protobuf/);
  });

  test("an index outside its table is corrupt", () => {
    const outOfRange = encodeAggregate({
      partitionKeys: ["k"],
      records: [{ partitionKeyIndex: 1, data: token(0) }],
    });
    expect(corrupt(outOfRange)).toMatch(/partition key index out of range/);
    const hashOutOfRange = encodeAggregate({
      partitionKeys: ["k"],
      records: [{ partitionKeyIndex: 0, explicitHashKeyIndex: 0, data: token(0) }],
    });
    expect(corrupt(hashOutOfRange)).toMatch(/explicit hash key index out of range/);
    // 2^40: a uint64 beyond 32 bits.
    const huge = encodeAggregate({
      partitionKeys: ["k"],
      records: [{ partitionKeyIndex: 2 ** 40, data: token(0) }],
    });
    expect(corrupt(huge)).toMatch(/out of range/);
  });

  test("limits: no user records, too many, bad keys", () => {
    expect(corrupt(encodeAggregate({ partitionKeys: ["k"], records: [] }))).toMatch(/no user records/);
    const many = encodeAggregate({
      partitionKeys: ["k"],
      records: Array.from({ length: AGGREGATE_LIMITS.maxUserRecords + 1 }, () => ({
        partitionKeyIndex: 0,
        data: Uint8Array.of(0x61),
      })),
    });
    expect(corrupt(many)).toMatch(/10001 user records/);
    const record = [{ partitionKeyIndex: 0, data: token(0) }];
    expect(corrupt(encodeAggregate({ partitionKeys: [""], records: record }))).toMatch(/partition key 0/);
    expect(corrupt(encodeAggregate({ partitionKeys: ["k".repeat(257)], records: record }))).toMatch(
      /partition key 0/,
    );
    expect(
      corrupt(
        encodeAggregate({ partitionKeys: ["k"], explicitHashKeys: [String(2n ** 128n)], records: record }),
      ),
    ).toMatch(/explicit hash key 0/);
  });

  test("fuzz: any bytes after the magic never throw, and are an aggregate only if whole", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (tail, withDigest) => {
        const bytes = withDigest ? wrap(tail) : Buffer.concat([AGGREGATION_MAGIC, tail]);
        const result = deaggregate(bytes);
        expect(["aggregate", "corrupt"]).toContain(result.kind);
        if (!withDigest && tail.length >= 16) expect(result.kind).toBe("corrupt");
      }),
      { numRuns: 2000 },
    );
  });

  test("fuzz: flipping, cutting or extending a valid aggregate makes it corrupt (the digest covers it)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom("flip", "cut", "extend"),
        (n, at, mask, how) => {
          const bytes = aggregateOf(n);
          const pos = AGGREGATION_MAGIC.length + (at % (bytes.length - AGGREGATION_MAGIC.length));
          const mutated =
            how === "flip"
              ? ((bytes[pos]! ^= mask), bytes)
              : how === "cut"
                ? bytes.subarray(0, pos)
                : Buffer.concat([bytes, Uint8Array.of(mask)]);
          expect(deaggregate(mutated).kind).toBe("corrupt");
        },
      ),
      { numRuns: 1000 },
    );
  });
});
