import {
  GetObjectCommand,
  ListObjectsV2Command,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
} from "@aws-sdk/client-s3";
import type { KinesisStreamEvent } from "aws-lambda";
import type { OnFailureRecord } from "../../../lib/kinesis/on-failure-record.js";
import {
  clients,
  createFixture,
  decode,
  receiveAll,
  settings,
  uniqueName,
  type Fixture,
} from "./runner-fixture.js";

/** Through the runner against kinesis-mock (stream) and moto (SQS, S3): what Lambda does when batches fail. */
let fx: Fixture;
beforeEach(async () => {
  fx = await createFixture();
});
afterEach(() => fx.cleanup());

const seqsOf = (event: KinesisStreamEvent) => event.Records.map((r) => r.kinesis.sequenceNumber);
const records = (n: number, key = (i: number) => `k${i % 3}`) =>
  Array.from({ length: n }, (_, i) => ({ key: key(i), data: `m${i}` }));

describe("EventSourceMappingRunner: failures", () => {
  it("a partial failure checkpoints before the lowest failed sequence number and retries from it", async () => {
    const seqs = await fx.put(records(6));
    const calls: string[][] = [];
    const checkpoints: string[] = [];
    const runner = fx.runner({
      settings: settings({ batchSize: 10 }),
      handler: async (event) => {
        calls.push(seqsOf(event));
        if (calls.length === 1) {
          // Report two failures, the higher one first: Lambda must use the lowest (seqs[2]).
          return {
            batchItemFailures: [{ itemIdentifier: seqs[4] as string }, { itemIdentifier: seqs[2] as string }],
          };
        }
        return { batchItemFailures: [] };
      },
    });
    runner.on("checkpoint", (c) => checkpoints.push(c.sequenceNumber));
    await runner.start();
    await runner.drain({ timeoutMs: 20_000 });

    expect(calls).toEqual([seqs, seqs.slice(2)]);
    expect(checkpoints).toEqual([seqs[1], seqs[5]]);
    expect(runner.checkpointsByShard()).toEqual({ "shardId-000000000000": seqs[5] });
    expect(runner.stats).toMatchObject({ batches: 2, partialFailures: 1, retries: 1, records: 10 });
  });

  it("an invalid itemIdentifier fails the whole batch", async () => {
    const seqs = await fx.put(records(3));
    const calls: string[][] = [];
    const runner = fx.runner({
      settings: settings(),
      handler: async (event) => {
        calls.push(seqsOf(event));
        return calls.length === 1 ? { batchItemFailures: [{ itemIdentifier: "" }] } : undefined;
      },
    });
    await runner.start();
    await runner.drain({ timeoutMs: 20_000 });
    expect(calls).toEqual([seqs, seqs]);
    expect(runner.stats).toMatchObject({ invalidResponses: 1, retries: 1 });
  });

  it("bisects on a thrown error, isolates the bad record and sends it alone to the on-failure queue", async () => {
    const seqs = await fx.put(records(8).map((r, i) => (i === 5 ? { ...r, data: "poison" } : r)));
    const calls: string[][] = [];
    const delivered: string[] = [];
    const runner = fx.runner({
      settings: settings({ batchSize: 8, bisectBatchOnFunctionError: true, maximumRetryAttempts: 1 }),
      handler: async (event) => {
        calls.push(seqsOf(event));
        if (event.Records.some((r) => decode(r.kinesis.data) === "poison"))
          throw new Error("cannot handle poison");
        delivered.push(...event.Records.map((r) => decode(r.kinesis.data)));
      },
    });
    await runner.start();
    await runner.drain({ timeoutMs: 20_000 });

    expect(calls.map((c) => c.length)).toEqual([8, 4, 4, 2, 1, 1, 1, 2]);
    expect(delivered).toEqual(["m0", "m1", "m2", "m3", "m4", "m6", "m7"]);
    expect(runner.stats).toMatchObject({
      bisects: 3,
      retries: 1,
      onFailureSends: 1,
      discardedRecords: 1,
      functionErrors: 5,
    });
    const [failure] = (await receiveAll(fx.queueUrl, 1)) as OnFailureRecord[];
    expect(failure?.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: seqs[5],
      endSequenceNumber: seqs[5],
      batchSize: 1,
    });
    expect(failure?.requestContext).toMatchObject({
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 2,
    });
  });

  it("retries exhausted: an on-failure record with the documented fields reaches SQS, and the shard moves on", async () => {
    const seqs = await fx.put(records(3));
    const s = settings({ maximumRetryAttempts: 2 });
    let calls = 0;
    const runner = fx.runner({
      settings: s,
      handler: async () => {
        calls++;
        throw new Error("always failing");
      },
    });
    const start = Date.now();
    await runner.start();
    await runner.drain({ timeoutMs: 20_000 });

    expect(calls).toBe(3);
    const messages = (await receiveAll(fx.queueUrl, 1)) as OnFailureRecord[];
    expect(messages).toHaveLength(1);
    const record = messages[0] as OnFailureRecord;
    expect(record).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? "us-east-1"}:123456789012:function:${s.functionName}`,
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      version: "1.0",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: "shardId-000000000000",
        startSequenceNumber: seqs[0],
        endSequenceNumber: seqs[2],
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 3,
        streamArn: fx.streamArn,
      },
    });
    expect(Date.parse(record.timestamp)).toBeGreaterThanOrEqual(start);
    expect(Date.parse(record.KinesisBatchInfo.approximateArrivalOfFirstRecord)).toBeLessThanOrEqual(
      Date.parse(record.timestamp),
    );
    expect(runner.checkpointsByShard()["shardId-000000000000"]).toBe(seqs[2]);

    // The shard is not blocked: a later record is delivered (and fails on its own, as this function always does).
    const [later] = await fx.put(records(1));
    await runner.drain({ timeoutMs: 20_000 });
    expect(calls).toBe(6);
    expect(runner.checkpointsByShard()["shardId-000000000000"]).toBe(later);
  });

  it("record age exceeded: records older than maximumRecordAgeInSeconds are discarded with RecordAgeExceeded", async () => {
    const seqs = await fx.put(records(2));
    let offsetMs = 0;
    let calls = 0;
    const runner = fx.runner({
      settings: settings({ maximumRetryAttempts: -1, maximumRecordAgeInSeconds: 60 }),
      now: () => Date.now() + offsetMs,
      handler: async () => {
        calls++;
        // Retries are unlimited; only age ends them. Time moves on by a minute after the first attempt.
        offsetMs = 61_000;
        throw new Error("transient forever");
      },
    });
    await runner.start();
    await runner.drain({ timeoutMs: 20_000 });

    expect(calls).toBe(1);
    const [record] = (await receiveAll(fx.queueUrl, 1)) as OnFailureRecord[];
    expect(record?.requestContext).toMatchObject({
      condition: "RecordAgeExceeded",
      approximateInvokeCount: 1,
    });
    expect(record?.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: seqs[0],
      endSequenceNumber: seqs[1],
      batchSize: 2,
    });
    expect(runner.stats.discardedRecords).toBe(2);
  });

  it("an S3 on-failure destination stores the record with the invocation payload under the documented key", async () => {
    const bucket = uniqueName("kjp-runner-failures");
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    try {
      const seqs = await fx.put(records(2));
      const runner = fx.runner({
        settings: settings({ maximumRetryAttempts: 0 }),
        onFailure: { type: "s3", bucket },
        handler: async () => {
          throw new Error("no");
        },
      });
      await runner.start();
      await runner.drain({ timeoutMs: 20_000 });

      const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((o) => o.Key ?? "");
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(
        new RegExp(
          `^aws/lambda/${runner.mappingUuid}/shardId-000000000000/\\d{4}/\\d\\d/\\d\\d/\\d{4}-\\d\\d-\\d\\dT\\d\\d\\.\\d\\d\\.\\d\\d-[0-9a-f-]{36}$`,
        ),
      );
      const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0] }));
      const body = JSON.parse((await object.Body?.transformToString()) ?? "{}") as OnFailureRecord;
      expect(body.requestContext.condition).toBe("RetryAttemptsExhausted");
      expect(body.KinesisBatchInfo.batchSize).toBe(2);
      expect(body.payload?.Records.map((r) => r.kinesis.sequenceNumber)).toEqual(seqs);
      expect(body.payload?.Records[0]?.eventID).toBe(`shardId-000000000000:${seqs[0]}`);
      for (const key of keys) await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } finally {
      await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    }
  });
});

describe("EventSourceMappingRunner: batching", () => {
  it("gathers records for the batching window before invoking", async () => {
    const sizes: number[] = [];
    const runner = fx.runner({
      settings: settings({ batchSize: 100, maximumBatchingWindowInSeconds: 2 }),
      handler: async (event) => void sizes.push(event.Records.length),
    });
    await runner.start();
    for (let i = 0; i < 3; i++) {
      await fx.put(records(1));
      await new Promise((r) => setTimeout(r, 100));
    }
    await runner.drain({ timeoutMs: 20_000 });
    expect(sizes).toEqual([3]);
  });
});
