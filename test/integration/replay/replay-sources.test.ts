import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { cloudWatchSource } from "../../../lib/replay/cloudwatch-source.js";
import { runReplay, type ReplayResult } from "../../../lib/replay/engine.js";
import { ledgerSource } from "../../../lib/replay/ledger-source.js";
import { onFailureS3Source } from "../../../lib/replay/onfailure-s3-source.js";
import { onFailureSqsSource } from "../../../lib/replay/onfailure-sqs-source.js";
import type { ReplayCandidate } from "../../../lib/replay/types.js";
import { id } from "../consumer/support.js";
import { clients, uniqueName } from "../runner/runner-fixture.js";
import {
  appliedExactlyOnce,
  createScenario,
  effects,
  markerStatus,
  type ReplayScenario,
} from "./replay-fixture.js";

/**
 * Failed batches captured by the local event source mapping runner (on-failure SQS/S3, CloudWatch Logs) and
 * by the ledger, replayed from each source through the consumer pipeline: exactly once, in order per key.
 */
let s: ReplayScenario;
beforeEach(async () => {
  s = await createScenario();
  A = { u1: id("acc"), g1: id("acc"), f1: id("acc"), g2: id("acc"), f2: id("acc") };
});
afterEach(() => s.cleanup());

// u1 first: its records (signed with a key the consumer does not trust yet) are rejected before the first
// transient failure of the batch, so they never fall in an on-failure range.
let A: Record<"u1" | "g1" | "f1" | "g2" | "f2", string>;
const plan = () => [
  { account: A.u1, count: 2, signedWith: "unknown" as const },
  { account: A.g1, count: 3 },
  { account: A.f1, count: 3 },
  { account: A.g2, count: 2 },
  { account: A.f2, count: 3 },
];

async function fail(onFailure?: Parameters<ReplayScenario["consume"]>[1]) {
  s.failing.add(A.f1);
  s.failing.add(A.f2);
  const consumed = await s.consume(plan(), onFailure);
  expect(consumed.onFailureSends).toBeGreaterThan(0);
  const before = await effects(s);
  // The good accounts went through; the failing ones did not (or not all of them).
  expect(before[A.g1]).toEqual(appliedExactlyOnce(s)[A.g1]);
  expect(before[A.f1]).not.toEqual(appliedExactlyOnce(s)[A.f1]);
  expect(before[A.u1]?.count).toBeUndefined();
  s.state.broken = false;
}

const sqsSource = () =>
  onFailureSqsSource({
    sqs: clients.sqs,
    kinesis: clients.kinesis,
    queueUrl: s.fx.queueUrl,
    visibilityTimeoutSec: 60,
  });
const stream = () => ({ kinesis: clients.kinesis, streamName: s.fx.streamName });
const replay = (
  source: AsyncIterable<ReplayCandidate>,
  keys: Array<"known" | "unknown"> = ["known", "unknown"],
): Promise<ReplayResult> => runReplay(source, s.replayDeps(keys));

async function expectAllOnce() {
  expect(await effects(s)).toEqual(appliedExactlyOnce(s));
  for (const m of s.sent) expect(await markerStatus(s, m.jti)).toBe("done");
}

test("onfailure (SQS): ranges re-read from the stream, messages deleted after success; then ledger for the rejected ones", async () => {
  await fail();
  const first = await replay(sqsSource());
  expect(first.summary).toMatchObject({ failed: {}, unrecoverable: [] });
  expect(first.summary.processed).toBeGreaterThanOrEqual(6 - 2);
  expect(first.summary.acknowledged).toBe(first.summary.candidates);
  const depth = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: s.fx.queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  expect(depth.Attributes).toMatchObject({
    ApproximateNumberOfMessages: "0",
    ApproximateNumberOfMessagesNotVisible: "0",
  });
  // The unknown-key records were acknowledged as rejected, not in any on-failure range: still rejected.
  expect(await effects(s)).toMatchObject({
    [A.f1]: appliedExactlyOnce(s)[A.f1],
    [A.f2]: appliedExactlyOnce(s)[A.f2],
  });
  expect((await effects(s))[A.u1]?.count).toBeUndefined();

  const rejected = await replay(
    ledgerSource({
      dynamodb: s.dynamodb,
      ledgerTable: s.tables.ledgerTable,
      filters: { reasons: ["unknown_key"] },
    }),
  );
  expect(rejected.summary).toMatchObject({ processed: 2, resolved: 2, rejected: {}, failed: {} });
  await expectAllOnce();

  // A second replay from every source changes nothing.
  const snapshot = await effects(s);
  const again = [
    await replay(sqsSource()),
    await replay(ledgerSource({ dynamodb: s.dynamodb, ledgerTable: s.tables.ledgerTable, stream: stream() })),
    await replay(cloudWatchSource({ logs: clients.logs, logGroup: s.logGroup, stream: stream() })),
  ];
  for (const r of again) expect(r.summary.processed).toBe(0);
  expect(again[0]!.summary.candidates).toBe(0);
  expect(await effects(s)).toEqual(snapshot);
});

test("onfailure (S3): the records come from the object itself; a second replay only finds duplicates", async () => {
  const bucket = uniqueName("kjp-replay-failures");
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  try {
    await fail({ type: "s3", bucket });
    const source = () => onFailureS3Source({ s3: clients.s3, bucket, prefix: "aws/lambda/" });
    const first = await replay(source());
    expect(first.summary).toMatchObject({ failed: {}, unrecoverable: [] });
    expect(first.summary.processed).toBeGreaterThan(0);
    const second = await replay(source());
    expect(second.summary).toMatchObject({ processed: 0, failed: {}, duplicates: second.summary.replayed });
    await replay(
      ledgerSource({
        dynamodb: s.dynamodb,
        ledgerTable: s.tables.ledgerTable,
        filters: { reasons: ["unknown_key"] },
      }),
    );
    await expectAllOnce();
  } finally {
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of listed.Contents ?? [])
      await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
    await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  }
});

test("cloudwatch: failure lines give positions (and raw rejected records); failed keys re-read from the stream", async () => {
  await fail();
  const source = () => cloudWatchSource({ logs: clients.logs, logGroup: s.logGroup, stream: stream() });
  const first = await replay(source());
  expect(first.summary).toMatchObject({ failed: {}, unrecoverable: [], rejected: {} });
  expect(first.summary.resolved).toBe(2);
  await expectAllOnce();
  const snapshot = await effects(s);
  const second = await replay(source());
  expect(second.summary).toMatchObject({ processed: 0, failed: {}, rejected: {} });
  expect(await effects(s)).toEqual(snapshot);
});

test("ledger: rejected items replay once their key is trusted; failed items bring the rest of their key from the stream", async () => {
  await fail();
  const source = () =>
    ledgerSource({ dynamodb: s.dynamodb, ledgerTable: s.tables.ledgerTable, stream: stream() });
  // Without the new key, the unknown-key records are still rejected, and said so by reason.
  const dry = await runReplay(source(), s.replayDeps(["known"]), { dryRun: true });
  expect(dry.summary.rejected).toEqual({ unknown_key: 2 });
  expect(dry.summary.processed).toBeGreaterThan(0);
  expect(await effects(s)).not.toEqual(appliedExactlyOnce(s));

  const first = await replay(source());
  expect(first.summary).toMatchObject({ failed: {}, unrecoverable: [], rejected: {}, resolved: 2 });
  await expectAllOnce();
  const snapshot = await effects(s);
  const second = await replay(source());
  expect(second.summary).toMatchObject({ candidates: 0, processed: 0 });
  const fromSqs = await replay(sqsSource());
  expect(fromSqs.summary.processed).toBe(0);
  expect(await effects(s)).toEqual(snapshot);
});

test("ledger: a message its processor refused is reopened and replays once the processor accepts it (not in a dry run)", async () => {
  const frozen = id("acc");
  s.refusing.add(frozen);
  await s.consume([{ account: frozen, count: 2 }]);
  for (const m of s.sent) expect(await markerStatus(s, m.jti)).toBe("rejected");
  s.state.broken = false;
  const source = () =>
    ledgerSource({
      dynamodb: s.dynamodb,
      ledgerTable: s.tables.ledgerTable,
      filters: { reasons: ["processor"] },
    });
  const dry = await runReplay(source(), s.replayDeps(["known"]), { dryRun: true });
  expect(dry.summary).toMatchObject({ candidates: 2, processed: 2 });
  for (const m of s.sent) expect(await markerStatus(s, m.jti)).toBe("rejected");

  const first = await replay(source());
  expect(first.summary).toMatchObject({ processed: 2, rejected: {}, failed: {} });
  await expectAllOnce();
  const second = await replay(source());
  expect(second.summary).toMatchObject({ candidates: 0, processed: 0 });
  await expectAllOnce();
});
