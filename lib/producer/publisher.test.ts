import type { PutRecordsRequestEntry, PutRecordsResultEntry } from "@aws-sdk/client-kinesis";
import fc from "fast-check";
import { createSigner, type SignInput } from "../envelope/sign.js";
import { generateSigningKey } from "../envelope/signing-keys.js";
import { registry } from "../../schemas/index.js";
import { noteAddedV1 } from "../../schemas/note-added.v1.js";
import {
  MessageValidationError,
  PublishFailedError,
  PublisherClosedError,
  QueueFullError,
  RecordTooLargeError,
} from "./errors.js";
import { Publisher, type PublisherOptions } from "./publisher.js";
import type { PublisherEvent, PutRecordsFn, TokenSigner } from "./types.js";
import { seededRandom } from "../util/seeded-random.js";

/** A readable stand-in token: "<jti>|<type>|<data>"; the real signer is exercised in its own test below. */
const plainSigner: TokenSigner = {
  sign: (i: SignInput) => Promise.resolve(`${i.jti}|${i.type}|${JSON.stringify(i.data)}`),
};

type Outcome =
  "ok" | "ProvisionedThroughputExceededException" | "InternalFailure" | "KMSAccessDeniedException";

interface Written {
  jti: string;
  partitionKey: string;
  sequenceNumber: string;
}

/**
 * A scripted PutRecords transport (the publisher's injection seam): `decide` picks each entry's outcome;
 * successes are appended to `written` in the order a shard would store them.
 */
function scripted(decide: (jti: string, attempt: number) => Outcome = () => "ok", delayMs = 0) {
  const calls: PutRecordsRequestEntry[][] = [];
  const written: Written[] = [];
  const attempts = new Map<string, number>();
  let seq = 0;
  const putRecords: PutRecordsFn = async (records) => {
    calls.push(records);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const results: PutRecordsResultEntry[] = records.map((r) => {
      const jti = Buffer.from(r.Data!).toString("latin1").split("|")[0]!;
      const attempt = (attempts.get(jti) ?? 0) + 1;
      attempts.set(jti, attempt);
      const outcome = decide(jti, attempt);
      if (outcome !== "ok") return { ErrorCode: outcome, ErrorMessage: "scripted" };
      const sequenceNumber = String(++seq).padStart(20, "0");
      written.push({ jti, partitionKey: r.PartitionKey!, sequenceNumber });
      return { SequenceNumber: sequenceNumber, ShardId: "shardId-000000000000" };
    });
    return { Records: results, FailedRecordCount: results.filter((r) => r.ErrorCode).length };
  };
  return { putRecords, calls, written, attempts };
}

const fast: Partial<PublisherOptions> = {
  lingerMs: 5,
  backoff: { baseMs: 2, capMs: 10 },
  retryDeadlineMs: 5_000,
};
const msg = (i: number, sub = `acc_${i % 7}`) => ({
  type: "note.added",
  v: 1,
  data: { i },
  sub,
  jti: `m${String(i).padStart(5, "0")}`,
});

function make(options: Partial<PublisherOptions> & Pick<PublisherOptions, "putRecords">) {
  return new Publisher({ signer: plainSigner, ...fast, ...options });
}

describe("batching", () => {
  test("1,200 messages go out in requests of at most 500, all acknowledged", async () => {
    const k = scripted();
    const p = make({ putRecords: k.putRecords, strictOrder: false });
    const receipts = await Promise.all(Array.from({ length: 1200 }, (_, i) => p.publish(msg(i))));
    const acks = await Promise.all(receipts.map((r) => r.acknowledged));
    expect(acks).toHaveLength(1200);
    expect(Math.max(...k.calls.map((c) => c.length))).toBeLessThanOrEqual(500);
    expect(k.calls.length).toBeGreaterThanOrEqual(3);
    expect(p.stats()).toMatchObject({
      published: 1200,
      acknowledged: 1200,
      retried: 0,
      failed: 0,
      queued: 0,
      inFlight: 0,
      pendingBytes: 0,
    });
    await p.close(1000);
  });

  test("a lone message waits for the linger, then goes alone", async () => {
    const k = scripted();
    const p = make({ putRecords: k.putRecords, lingerMs: 60 });
    const started = Date.now();
    const ack = await (await p.publish(msg(1))).acknowledged;
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(ack).toMatchObject({
      jti: "m00001",
      partitionKey: "acc_1",
      shardId: "shardId-000000000000",
      attempts: 1,
    });
    expect(k.calls).toHaveLength(1);
    await p.close(1000);
  });

  test("no request exceeds 5 MiB of partition keys + data", async () => {
    const k = scripted();
    const p = make({ putRecords: k.putRecords, strictOrder: false });
    const big = "x".repeat(700 * 1024);
    const receipts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.publish({ ...msg(i), data: { big } })),
    );
    await Promise.all(receipts.map((r) => r.acknowledged));
    for (const call of k.calls) {
      const bytes = call.reduce((n, r) => n + r.Data!.byteLength + Buffer.byteLength(r.PartitionKey!), 0);
      expect(bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    }
    expect(k.calls.length).toBeGreaterThanOrEqual(3);
    await p.close(1000);
  });

  test("partition key defaults to sub, then to the jti; an explicit one wins", async () => {
    const k = scripted();
    const p = make({ putRecords: k.putRecords });
    const a = await p.publish({ type: "t.x", v: 1, data: {}, sub: "acc_1" });
    const b = await p.publish({ type: "t.x", v: 1, data: {} });
    const c = await p.publish({ type: "t.x", v: 1, data: {}, sub: "acc_1", partitionKey: "pk-9" });
    expect(a.partitionKey).toBe("acc_1");
    expect(b.partitionKey).toBe(b.jti);
    expect(b.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.partitionKey).toBe("pk-9");
    await p.flush(1000);
    expect(k.calls.flat().map((r) => r.PartitionKey)).toEqual(["acc_1", b.jti, "pk-9"]);
    await p.close(1000);
  });

  test("records carry the real signer's compact token as ASCII bytes", async () => {
    const { privateJwk } = await generateSigningKey("ES256", "k1");
    const signer = await createSigner({ privateJwk, issuer: "crm-rails", audience: "kjp-test" });
    const tokens: string[] = [];
    const p = new Publisher({
      signer,
      lingerMs: 1,
      putRecords: (records) => {
        tokens.push(...records.map((r) => Buffer.from(r.Data!).toString("latin1")));
        return Promise.resolve({ Records: records.map(() => ({ SequenceNumber: "1", ShardId: "s" })) });
      },
    });
    await p.publishAndWait({
      type: "note.added",
      v: 1,
      data: noteAddedV1.example,
      sub: "acc_3Fh7Rw9nB2cD",
      jti: "j-1",
    });
    expect(tokens).toHaveLength(1);
    const [header, payload] = tokens[0]!
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: "ES256", kid: "k1", typ: "kjp+jwt" });
    expect(payload).toMatchObject({
      iss: "crm-rails",
      aud: "kjp-test",
      jti: "j-1",
      type: "note.added",
      v: 1,
      sub: "acc_3Fh7Rw9nB2cD",
      data: noteAddedV1.example,
    });
    await p.close(1000);
  });
});

describe("retries", () => {
  test("only the failed entries are resubmitted, then acknowledged", async () => {
    const k = scripted((jti, attempt) =>
      attempt === 1 && Number(jti.slice(1)) % 3 === 0 ? "ProvisionedThroughputExceededException" : "ok",
    );
    const events: PublisherEvent[] = [];
    const p = make({ putRecords: k.putRecords, strictOrder: false, onEvent: (e) => events.push(e) });
    const receipts = await Promise.all(Array.from({ length: 30 }, (_, i) => p.publish(msg(i))));
    const acks = await Promise.all(receipts.map((r) => r.acknowledged));
    expect(k.calls[0]).toHaveLength(30);
    const resubmitted = k.calls.slice(1).flat();
    expect(resubmitted).toHaveLength(10);
    expect(acks.filter((a) => a.attempts === 2).map((a) => a.jti)).toEqual(
      receipts.filter((_, i) => i % 3 === 0).map((r) => r.jti),
    );
    expect(p.stats()).toMatchObject({ acknowledged: 30, retried: 10, failed: 0 });
    expect(events.filter((e) => e.type === "retried")).toHaveLength(10);
    expect(events.find((e) => e.type === "retried")).toMatchObject({
      errorCode: "ProvisionedThroughputExceededException",
      attempt: 1,
    });
    await p.close(1000);
  });

  test("an entry that keeps failing is failed at its deadline with PublishFailedError", async () => {
    const k = scripted((jti) => (jti === "m00002" ? "InternalFailure" : "ok"));
    const p = make({ putRecords: k.putRecords, retryDeadlineMs: 80 });
    const receipts = await Promise.all([1, 2, 3].map((i) => p.publish(msg(i))));
    await expect(receipts[1]!.acknowledged).rejects.toMatchObject({
      code: "publish_failed",
      errorCode: "InternalFailure",
      retryable: true,
    });
    await expect(receipts[0]!.acknowledged).resolves.toMatchObject({ jti: "m00001" });
    expect(k.attempts.get("m00002")).toBeGreaterThan(2);
    expect(p.stats()).toMatchObject({ acknowledged: 2, failed: 1 });
    await p.close(1000);
  });

  test("a permanent entry error fails at once", async () => {
    const k = scripted(() => "KMSAccessDeniedException");
    const p = make({ putRecords: k.putRecords });
    const r = await p.publish(msg(1));
    const error = await r.acknowledged.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishFailedError);
    expect(error).toMatchObject({ retryable: false, attempts: 1 });
    expect(k.calls).toHaveLength(1);
    await p.close(1000);
  });

  test("a thrown retryable request error resubmits the whole request; a missing stream fails it", async () => {
    let calls = 0;
    const flaky: PutRecordsFn = (records) => {
      calls++;
      if (calls === 1)
        return Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
      return Promise.resolve({
        Records: records.map((_, i) => ({ SequenceNumber: String(i), ShardId: "s" })),
      });
    };
    const p = make({ putRecords: flaky });
    const acks = await Promise.all(
      (await Promise.all([1, 2].map((i) => p.publish(msg(i))))).map((r) => r.acknowledged),
    );
    expect(acks.map((a) => a.attempts)).toEqual([2, 2]);
    await p.close(1000);

    const missing = Object.assign(new Error("Stream s not found"), { name: "ResourceNotFoundException" });
    const q = make({ putRecords: () => Promise.reject(missing) });
    const r = await q.publish(msg(1));
    await expect(r.acknowledged).rejects.toMatchObject({
      code: "publish_failed",
      errorCode: "ResourceNotFoundException",
      retryable: false,
    });
    await q.close(1000);
  });
});

describe("order per partition key", () => {
  test("property: with random throttling, each key's records are written in publish order (strictOrder)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 4 }),
        async (seed, keys) => {
          const rng = seededRandom(seed);
          const k = scripted((_jti, attempt) =>
            attempt < 4 && rng() < 0.3 ? "ProvisionedThroughputExceededException" : "ok",
          );
          const p = make({ putRecords: k.putRecords, lingerMs: 1, maxInFlightRequests: 3, random: rng });
          const receipts = await Promise.all(
            Array.from({ length: 60 }, (_, i) => p.publish(msg(i, `acc_${i % keys}`))),
          );
          await Promise.all(receipts.map((r) => r.acknowledged));
          for (let key = 0; key < keys; key++) {
            const order = k.written.filter((w) => w.partitionKey === `acc_${key}`).map((w) => w.jti);
            expect(order).toEqual([...order].sort());
            expect(order).toHaveLength(receipts.filter((r) => r.partitionKey === `acc_${key}`).length);
          }
          await p.close(1000);
        },
      ),
      { numRuns: 15 },
    );
  });

  test("publishes called without awaiting still enqueue in call order", async () => {
    let n = 0;
    // Signing time varies (WebCrypto runs off-thread): make later calls finish signing first.
    const slowFirst: TokenSigner = {
      sign: async (i) => {
        const delay = Math.max(0, 20 - 5 * n++);
        await new Promise((r) => setTimeout(r, delay));
        return plainSigner.sign(i);
      },
    };
    const k = scripted();
    const p = new Publisher({ signer: slowFirst, putRecords: k.putRecords, lingerMs: 1 });
    const pending = [0, 1, 2, 3].map((i) => p.publish(msg(i, "acc_same")));
    await Promise.all(pending);
    expect((await p.flush(1000)).drained).toBe(true);
    expect(k.written.map((w) => w.jti)).toEqual(["m00000", "m00001", "m00002", "m00003"]);
    await p.close(1000);
  });

  test("with strictOrder: false a hot key shares requests, and a later write overtaking a failed one is counted", async () => {
    const k = scripted((jti, attempt) =>
      jti === "m00000" && attempt === 1 ? "ProvisionedThroughputExceededException" : "ok",
    );
    const p = make({ putRecords: k.putRecords, strictOrder: false });
    const receipts = await Promise.all([0, 1, 2].map((i) => p.publish(msg(i, "acc_hot"))));
    await Promise.all(receipts.map((r) => r.acknowledged));
    expect(k.calls[0]).toHaveLength(3);
    expect(p.stats().reordered).toBe(2);
    await p.close(1000);
  });
});

describe("refusals before queueing", () => {
  test("a record over 1 MiB (partition key + token) is refused with RecordTooLargeError and never sent", async () => {
    const k = scripted();
    const p = make({
      putRecords: k.putRecords,
      signer: { sign: () => Promise.resolve("t".repeat(1024 * 1024 - 3)) },
    });
    await expect(p.publish({ ...msg(1), partitionKey: "abcd" })).rejects.toBeInstanceOf(RecordTooLargeError);
    await expect(p.publish({ ...msg(2), partitionKey: "abc" })).resolves.toMatchObject({
      bytes: 1024 * 1024,
    });
    await p.flush(1000);
    expect(k.calls.flat()).toHaveLength(1);
    expect(p.stats()).toMatchObject({ published: 1, acknowledged: 1 });
    await p.close(1000);
  });

  test("with a validator, invalid payloads and unknown types are refused with their paths, unsigned", async () => {
    let signed = 0;
    const sign = (i: SignInput) => (signed++, plainSigner.sign(i));
    const p = make({ putRecords: scripted().putRecords, validator: registry, signer: { sign } });
    const bad = await p
      .publish({ type: "note.added", v: 1, data: { ...noteAddedV1.example, mentions: ["nope"] } })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(MessageValidationError);
    expect(bad).toMatchObject({
      code: "invalid_message",
      reason: "invalid_payload",
      issues: [{ path: "mentions[0]" }],
    });
    await expect(p.publish({ type: "invoice.paid", v: 1, data: {} })).rejects.toMatchObject({
      reason: "unknown_type",
    });
    expect(signed).toBe(0);
    await expect(p.publish({ type: "note.added", v: 1, data: noteAddedV1.example })).resolves.toBeDefined();
    await p.close(1000);
  });

  test("partition keys longer than 256 characters are refused", async () => {
    const p = make({ putRecords: scripted().putRecords });
    await expect(p.publish({ ...msg(1), partitionKey: "k".repeat(257) })).rejects.toMatchObject({
      reason: "partition_key",
    });
    await expect(p.publish({ ...msg(1), partitionKey: "" })).rejects.toMatchObject({
      reason: "partition_key",
    });
    await p.close(1000);
  });

  test("batch limits above the Kinesis quotas are a configuration error", () => {
    expect(() => make({ putRecords: scripted().putRecords, maxBatchRecords: 501 })).toThrow(
      /maxBatchRecords/,
    );
    expect(() => make({ putRecords: scripted().putRecords, maxBatchBytes: 6 * 1024 * 1024 })).toThrow(
      /maxBatchBytes/,
    );
  });
});

describe("bounded queue", () => {
  /** PutRecords that holds every request until released. */
  function gated() {
    const k = scripted();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const putRecords: PutRecordsFn = async (records) => {
      await gate;
      return k.putRecords(records);
    };
    return { putRecords, open, k };
  }

  test('"reject" fails at once with QueueFullError when count is exhausted', async () => {
    const g = gated();
    const p = make({ putRecords: g.putRecords, maxQueueRecords: 3, whenFull: "reject" });
    for (const i of [1, 2, 3]) await p.publish(msg(i));
    await expect(p.publish(msg(4))).rejects.toBeInstanceOf(QueueFullError);
    expect(p.stats()).toMatchObject({ published: 3 });
    g.open();
    await p.close(1000);
    expect(g.k.written).toHaveLength(3);
  });

  test('"wait" waits for room, and gives up after fullWaitMs', async () => {
    const g = gated();
    const p = make({ putRecords: g.putRecords, maxQueueRecords: 2, whenFull: "wait", fullWaitMs: 50 });
    await p.publish(msg(1));
    await p.publish(msg(2));
    await expect(p.publish(msg(3))).rejects.toMatchObject({ code: "queue_full", retryable: true });
    const waiting = p.publish(msg(4));
    setTimeout(g.open, 10);
    await expect(waiting).resolves.toMatchObject({ jti: "m00004" });
    await p.close(1000);
    expect(g.k.written.map((w) => w.jti)).toEqual(["m00001", "m00002", "m00004"]);
  });
});

describe("flush and close", () => {
  test("flush sends without waiting for the linger", async () => {
    const k = scripted();
    const p = make({ putRecords: k.putRecords, lingerMs: 10_000 });
    void p.publish(msg(1));
    void p.publish(msg(2));
    const started = Date.now();
    expect(await p.flush(2000)).toEqual({ drained: true, pending: 0 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(k.written).toHaveLength(2);
    await p.close(1000);
  });

  test("close drains, then refuses new messages", async () => {
    const k = scripted();
    const p = make({ putRecords: k.putRecords, lingerMs: 10_000 });
    const r = await p.publish(msg(1));
    expect(await p.close(2000)).toEqual({ drained: true, pending: 0, abandoned: 0 });
    await expect(r.acknowledged).resolves.toMatchObject({ jti: "m00001" });
    await expect(p.publish(msg(2))).rejects.toBeInstanceOf(PublisherClosedError);
  });

  test("while closing: new messages are refused, queued ones still retried; close() runs once", async () => {
    const k = scripted((_jti, attempt) => (attempt === 1 ? "ProvisionedThroughputExceededException" : "ok"));
    const p = make({ putRecords: k.putRecords, backoff: { baseMs: 10, capMs: 10 } });
    const r = await p.publish(msg(1));
    const closing = p.close(2000);
    expect(p.close(2000)).toBe(closing);
    await expect(p.publish(msg(2))).rejects.toBeInstanceOf(PublisherClosedError);
    expect(await closing).toEqual({ drained: true, pending: 0, abandoned: 0 });
    await expect(r.acknowledged).resolves.toMatchObject({ jti: "m00001" });
    expect(p.stats()).toMatchObject({ retried: 1, acknowledged: 1, failed: 0 });
  });

  test("close with a deadline fails what is still queued and stops retrying what is in flight", async () => {
    const k = scripted(() => "ProvisionedThroughputExceededException", 30);
    const p = make({
      putRecords: k.putRecords,
      retryDeadlineMs: 60_000,
      backoff: { baseMs: 5_000, capMs: 5_000 },
      random: () => 0.9,
    });
    const r = await p.publish(msg(1));
    const started = Date.now();
    const closed = await p.close(100);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(closed).toMatchObject({ drained: false, abandoned: 1 });
    await expect(r.acknowledged).rejects.toBeInstanceOf(PublisherClosedError);
    expect(p.stats()).toMatchObject({ failed: 1, queued: 0, pendingBytes: 0 });
  });

  test("an event hook that throws does not stop delivery", async () => {
    const k = scripted();
    const p = make({
      putRecords: k.putRecords,
      onEvent: () => {
        throw new Error("observer bug");
      },
    });
    await p.publishAndWait(msg(1));
    await p.close(1000);
    expect(k.written).toHaveLength(1);
  });
});
