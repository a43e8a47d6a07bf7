import { DeleteStreamCommand, DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { runReplay } from "../../../lib/replay/engine.js";
import { onFailureSqsSource, receiveOnFailure } from "../../../lib/replay/onfailure-sqs-source.js";
import { readRange } from "../../../lib/replay/range-reader.js";
import { clients } from "../runner/runner-fixture.js";
import { id } from "../consumer/support.js";
import { createScenario, type ReplayScenario } from "./replay-fixture.js";

/** Ranges that cannot be read back are reported unrecoverable with the reason, never skipped, never deleted. */
let s: ReplayScenario;
beforeEach(async () => {
  s = await createScenario();
});
afterEach(() => s.cleanup());

const SHARD = "shardId-000000000000";

function onFailureBody(streamArn: string, start: string, end: string, shardId = SHARD) {
  return JSON.stringify({
    requestContext: {
      requestId: "r",
      functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 2,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST" },
    version: "1.0",
    timestamp: new Date().toISOString(),
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: new Date().toISOString(),
      approximateArrivalOfLastRecord: new Date().toISOString(),
      batchSize: 2,
      streamArn,
    },
  });
}

test("a range read back in full; a start before the first record still in the shard is 'trimmed'; a range past the end is incomplete", async () => {
  const seqs = await s.fx.put([0, 1, 2, 3].map((i) => ({ key: `k${i}`, data: `not-a-token-${i}` })));
  const range = (start: string, end: string) => ({
    streamName: s.fx.streamName,
    shardId: SHARD,
    startSequenceNumber: start,
    endSequenceNumber: end,
  });
  const full = await readRange(clients.kinesis, range(seqs[1]!, seqs[2]!));
  expect(full).toMatchObject({ ok: true });
  expect(full.records.map((r) => r.sequenceNumber)).toEqual([seqs[1], seqs[2]]);

  const before = (BigInt(seqs[0]!) - 1n).toString();
  const trimmed = await readRange(clients.kinesis, range(before, seqs[1]!));
  // AWS answers with the records from the trim horizon on (reported "trimmed"); kinesis-mock refuses the
  // sequence number (reported "range_not_found"). Either way: unrecoverable, with the reason.
  expect(trimmed).toMatchObject({
    ok: false,
    unrecoverable: { code: expect.stringMatching(/^(trimmed|range_not_found)$/) },
  });

  const beyond = (BigInt(seqs[3]!) + 10n ** 20n).toString();
  const incomplete = await readRange(clients.kinesis, range(seqs[2]!, beyond));
  expect(incomplete).toMatchObject({ ok: false, unrecoverable: { code: "range_incomplete" } });
  expect(incomplete.records.map((r) => r.sequenceNumber)).toEqual([seqs[2], seqs[3]]);
});

test("on-failure messages naming a stream or shard that does not exist, a range that does not exist, or garbage: unrecoverable, kept in the queue", async () => {
  const seqs = await s.fx.put([{ key: "k", data: "x" }]);
  const bogus = "49999999999999999999999999999999999999999999999999999999";
  for (const body of [
    onFailureBody(s.fx.streamArn, bogus, bogus),
    onFailureBody(s.fx.streamArn, seqs[0]!, seqs[0]!, "shardId-000000000007"),
    onFailureBody(s.fx.streamArn.replace(/stream\/.*$/, "stream/kjp-no-such-stream"), seqs[0]!, seqs[0]!),
  ]) {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: s.fx.queueUrl, MessageBody: body }));
  }
  await clients.sqs.send(new SendMessageCommand({ QueueUrl: s.fx.queueUrl, MessageBody: "{ not json" }));
  await clients.kinesis
    .send(new DeleteStreamCommand({ StreamName: "kjp-no-such-stream" }))
    .catch(() => undefined);

  const source = onFailureSqsSource({
    sqs: clients.sqs,
    kinesis: clients.kinesis,
    queueUrl: s.fx.queueUrl,
    visibilityTimeoutSec: 1,
  });
  const result = await runReplay(source, s.replayDeps(["known"]));
  const codes = result.summary.unrecoverable.map((u) => u.code).sort();
  expect(codes).toEqual(["range_not_found", "shard_not_found", "stream_not_found", "unreadable"].sort());
  for (const u of result.summary.unrecoverable) expect(u.detail.length).toBeGreaterThan(10);
  expect(result.summary.acknowledged).toBe(0);
  // Nothing was deleted: the messages come back once their visibility timeout passes. When exactly is the
  // service's business (LocalStack returns them up to a second late), so poll to a deadline.
  const back = new Set<string>();
  const deadline = Date.now() + 15_000;
  while (back.size < 4 && Date.now() < deadline) {
    for (const m of await receiveOnFailure({
      sqs: clients.sqs,
      kinesis: clients.kinesis,
      queueUrl: s.fx.queueUrl,
      visibilityTimeoutSec: 60,
      waitTimeSec: 1,
    }))
      back.add(m.MessageId ?? "");
  }
  expect(back.size).toBe(4);
});

test("the stream was deleted after the batches failed: every range is unrecoverable (stream_not_found), nothing deleted", async () => {
  const account = id("acc");
  s.failing.add(account);
  const { onFailureSends } = await s.consume([{ account, count: 3 }]);
  expect(onFailureSends).toBeGreaterThan(0);
  s.state.broken = false;
  await clients.kinesis.send(
    new DeleteStreamCommand({ StreamName: s.fx.streamName, EnforceConsumerDeletion: true }),
  );
  for (let i = 0; i < 100; i++) {
    const gone = await clients.kinesis
      .send(new DescribeStreamSummaryCommand({ StreamName: s.fx.streamName }))
      .then(
        () => false,
        () => true,
      );
    if (gone) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const result = await runReplay(
    onFailureSqsSource({
      sqs: clients.sqs,
      kinesis: clients.kinesis,
      queueUrl: s.fx.queueUrl,
      visibilityTimeoutSec: 60,
    }),
    s.replayDeps(["known"]),
  );
  expect(result.summary.candidates).toBe(onFailureSends);
  expect(result.summary.unrecoverable.map((u) => u.code)).toEqual(
    Array(onFailureSends).fill("stream_not_found"),
  );
  expect(result.summary.unrecoverable[0]?.range).toMatchObject({
    streamName: s.fx.streamName,
    shardId: SHARD,
  });
  expect(result.summary).toMatchObject({ replayed: 0, processed: 0, acknowledged: 0 });
});
