import type { PutRecordsRequestEntry, PutRecordsResultEntry } from "@aws-sdk/client-kinesis";
import fc from "fast-check";
import type { SignInput } from "../envelope/sign.js";
import { deaggregate } from "../kinesis/aggregation.js";
import { groupBytes, packGroup, selectAggregatedBatch, type AggregateCandidate } from "./aggregation.js";
import { Publisher } from "./publisher.js";
import type { Acknowledgement, PutRecordsFn, TokenSigner } from "./types.js";

const tokenOf = (jti: string, size = 300) => Buffer.from(jti.padEnd(size, "."), "latin1");
const entry = (seq: number, partitionKey: string, size = 300, notBefore = 0): AggregateCandidate => ({
  seq,
  partitionKey,
  bytes: partitionKey.length + size,
  notBefore,
  token: tokenOf(`m${seq}`, size),
});
const limits = { maxRecords: 500, maxBytes: 5 * 1024 * 1024, maxAggregateBytes: 51_200 };
const none = new Set<string>();

/** What a consumer reads back from one PutRecords entry: the user records' tokens. */
const unpack = (r: PutRecordsRequestEntry): string[] => {
  const data = Buffer.from(r.Data!);
  const result = deaggregate(data);
  if (result.kind === "corrupt") throw new Error(result.detail);
  return result.kind === "plain"
    ? [data.toString("latin1")]
    : result.records.map((u) => {
        expect(u.partitionKey).toBe(r.PartitionKey);
        return u.data.toString("latin1");
      });
};

describe("selectAggregatedBatch", () => {
  test("packs each key's ready entries into one group, in publish order", () => {
    const queue = [entry(0, "a"), entry(1, "b"), entry(2, "a"), entry(3, "a"), entry(4, "b")];
    const batch = selectAggregatedBatch(queue, none, 0, limits);
    expect(batch.groups.map((g) => g.map((e) => e.seq))).toEqual([
      [0, 2, 3],
      [1, 4],
    ]);
    expect(batch.full).toBe(false);
  });

  test("an entry backing off holds every later entry of its key", () => {
    const queue = [entry(0, "a"), entry(1, "a", 300, 50), entry(2, "a"), entry(3, "b")];
    const batch = selectAggregatedBatch(queue, none, 0, limits);
    expect(batch.groups.map((g) => g.map((e) => e.seq))).toEqual([[0], [3]]);
    expect(selectAggregatedBatch(queue, new Set(["a"]), 0, limits).entries.map((e) => e.seq)).toEqual([3]);
  });

  test("an aggregate stops at its size bound and the request at its record limit", () => {
    const queue = Array.from({ length: 400 }, (_, i) => entry(i, "a", 1000));
    const batch = selectAggregatedBatch(queue, none, 0, limits);
    expect(batch.groups).toHaveLength(1);
    expect(batch.full).toBe(true);
    const packed = packGroup(batch.groups[0]!);
    expect(packed.Data!.length + 1).toBeLessThanOrEqual(limits.maxAggregateBytes);
    expect(packed.Data!.length + 1).toBeLessThanOrEqual(batch.bytes);
    const keys = Array.from({ length: 3 }, (_, i) => entry(i, `k${i}`));
    expect(selectAggregatedBatch(keys, none, 0, { ...limits, maxRecords: 2 }).groups).toHaveLength(2);
  });

  test("property: the estimate bounds the real record, order per key holds, nothing is lost or doubled", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "ключ"), fc.integer({ min: 1, max: 3000 })), {
          maxLength: 120,
        }),
        fc.integer({ min: 1024, max: 20_000 }),
        (spec, maxAggregateBytes) => {
          let queue = spec.map(([key, size], seq) => entry(seq, key, size));
          const sent: number[][] = [];
          while (queue.length > 0) {
            const batch = selectAggregatedBatch(queue, none, 0, { ...limits, maxAggregateBytes });
            expect(batch.entries.length).toBeGreaterThan(0);
            for (const group of batch.groups) {
              const real = packGroup(group);
              const size = Buffer.byteLength(real.PartitionKey!, "utf8") + real.Data!.length;
              expect(size).toBeLessThanOrEqual(
                groupBytes(
                  group[0]!.partitionKey,
                  group.map((e) => e.token),
                ),
              );
              if (group.length > 1) expect(size).toBeLessThanOrEqual(maxAggregateBytes);
              expect(unpack(real)).toEqual(group.map((e) => Buffer.from(e.token).toString("latin1")));
            }
            sent.push(...batch.groups.map((g) => g.map((e) => e.seq)));
            const taken = new Set(batch.entries);
            queue = queue.filter((e) => !taken.has(e));
          }
          const flat = sent.flat();
          expect([...flat].sort((x, y) => x - y)).toEqual(spec.map((_, i) => i));
          for (const key of new Set(spec.map(([k]) => k))) {
            const ofKey = flat.filter((s) => spec[s]![0] === key);
            expect(ofKey).toEqual([...ofKey].sort((x, y) => x - y));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("Publisher with aggregate: true", () => {
  const signer: TokenSigner = { sign: (i: SignInput) => Promise.resolve(`${i.jti}|${"x".repeat(280)}`) };

  function transport(failFirstOf?: string) {
    const calls: PutRecordsRequestEntry[][] = [];
    let seq = 0;
    let failed = false;
    const putRecords: PutRecordsFn = (records) => {
      calls.push(records);
      const results: PutRecordsResultEntry[] = records.map((r) => {
        if (failFirstOf && !failed && unpack(r).some((t) => t.startsWith(`${failFirstOf}|`))) {
          failed = true;
          return { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "slow down" };
        }
        return { SequenceNumber: String(++seq), ShardId: "shardId-000000000000" };
      });
      return Promise.resolve({
        Records: results,
        FailedRecordCount: results.filter((r) => r.ErrorCode).length,
      });
    };
    return { putRecords, calls };
  }

  const publishAll = async (publisher: Publisher, n: number, keys: number) => {
    const receipts = [];
    for (let i = 0; i < n; i++)
      receipts.push(
        await publisher.publish({ type: "note.added", v: 1, data: {}, sub: `acc_${i % keys}`, jti: `j${i}` }),
      );
    return Promise.all(receipts.map((r) => r.acknowledged));
  };

  test("off by default: one Kinesis record per message", async () => {
    const t = transport();
    const publisher = new Publisher({ signer, putRecords: t.putRecords, lingerMs: 5 });
    await publishAll(publisher, 6, 2);
    await publisher.close();
    expect(t.calls.flat()).toHaveLength(6);
  });

  test("messages of one key travel as one aggregate, with sub-sequence numbers in publish order", async () => {
    const t = transport();
    // Only close() sends (the linger outlasts the test), so a slow machine cannot split a key's aggregate.
    const publisher = new Publisher({ signer, putRecords: t.putRecords, lingerMs: 600_000, aggregate: true });
    const receipts = [];
    for (let i = 0; i < 30; i++)
      receipts.push(
        await publisher.publish({ type: "note.added", v: 1, data: {}, sub: `acc_${i % 3}`, jti: `j${i}` }),
      );
    await publisher.close();
    const acks = await Promise.all(receipts.map((r) => r.acknowledged));
    const records = t.calls.flat();
    expect(records).toHaveLength(3);
    for (const [k, record] of records.entries()) {
      expect(record.PartitionKey).toBe(`acc_${k}`);
      expect(unpack(record).map((tok) => tok.split("|")[0])).toEqual(
        Array.from({ length: 10 }, (_, i) => `j${i * 3 + k}`),
      );
    }
    const bySeq = new Map<string, Acknowledgement[]>();
    for (const ack of acks) bySeq.set(ack.sequenceNumber, [...(bySeq.get(ack.sequenceNumber) ?? []), ack]);
    for (const group of bySeq.values())
      expect(group.map((a) => a.subSequenceNumber)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  test("a failed aggregate is retried whole, and nothing of its key overtakes it", async () => {
    const t = transport("j0");
    const publisher = new Publisher({
      signer,
      putRecords: t.putRecords,
      lingerMs: 5,
      aggregate: true,
      backoff: { baseMs: 2, capMs: 5 },
    });
    const acks = await publishAll(publisher, 8, 2);
    await publisher.close();
    expect(acks.every((a) => a.attempts >= 1)).toBe(true);
    const order = t.calls
      .flat()
      .filter((r) => r.PartitionKey === "acc_0")
      .map((r) => unpack(r).map((tok) => tok.split("|")[0]));
    // The first try (failed) and everything after it: each j of acc_0 written in order after the failure.
    const written = order.slice(1).flat();
    expect(order[0]).toContain("j0");
    expect(written).toEqual(["j0", "j2", "j4", "j6"]);
    expect(acks.find((a) => a.jti === "j0")!.attempts).toBe(2);
  });

  test("refuses an aggregate bound outside 1 KiB..1 MiB", () => {
    const t = transport();
    expect(() => new Publisher({ signer, putRecords: t.putRecords, maxAggregateBytes: 10 })).toThrow(
      /maxAggregateBytes/,
    );
  });
});
