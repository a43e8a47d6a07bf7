import { jest } from "@jest/globals";
import { encodeAggregate } from "../../../lib/kinesis/aggregated-record.js";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import type { Processor } from "../../../lib/effects/processor.js";
import type { PipelineDeps } from "../../../lib/pipeline/types.js";
import { runReplay } from "../../../lib/replay/engine.js";
import { ledgerCandidate } from "../../../lib/replay/ledger-source.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import {
  accountItems,
  dealMessage,
  event,
  FakeShard,
  id,
  ledgerItem,
  markerOf,
  noteMessage,
  pipelineFor,
  sign,
  useTestEnv,
} from "./support.js";

const env = useTestEnv();

const pipeline = (overrides: Partial<PipelineDeps> = {}) =>
  pipelineFor(env, { settings: { claimLeaseMs: 2_000 }, ...overrides });

/** The processors, except every processor throws (transiently) for the listed message ids. */
function failingFor(jtis: Set<string>) {
  const base = createProcessorRegistry();
  return new Map(
    [...base].map(([type, processor]): [string, Processor] => [
      type,
      (m) => {
        if (jtis.has(m.jti)) throw new Error("downstream timeout");
        return processor(m);
      },
    ]),
  );
}

const aggregate = (partitionKey: string, tokens: string[]) =>
  encodeAggregate({
    partitionKeys: [partitionKey],
    records: tokens.map((t) => ({ partitionKeyIndex: 0, data: Buffer.from(t, "ascii") })),
  });

const statuses = (result: { reports: { outcome: { status: string } }[] }) =>
  result.reports.map((r) => r.outcome.status);

describe("KPL aggregates against DynamoDB Local", () => {
  test("user records are verified and applied one by one; bad ones are kept under their sub-sequence; a corrupt aggregate is rejected whole", async () => {
    const shard = new FakeShard();
    const a = id("acc");
    const first = dealMessage(a, null, "lead", 100);
    const second = dealMessage(a, "lead", "qualified", 100);
    const note = noteMessage(a, false);
    const packed = aggregate(a, [await sign(env, first), "not a jwt", await sign(env, second)]);
    const corrupt = Buffer.from(packed);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const records = [
      shard.record(a, packed),
      shard.record(a, await sign(env, note)),
      shard.record(a, corrupt),
    ];

    const result = await pipeline().process(event(records));
    expect(statuses(result)).toEqual(["processed", "rejected", "processed", "processed", "rejected"]);
    expect(result.reports.map((r) => r.record.subSequenceNumber)).toEqual([0, 1, 2, undefined, undefined]);
    expect(result.response.batchItemFailures).toEqual([]);
    expect((await accountItems(env, a))["pipeline#EUR"]).toMatchObject({
      count_lead: 0,
      count_qualified: 1,
      amount_qualified: 100,
    });
    const seq = records[0]!.kinesis.sequenceNumber;
    expect(await markerOf(env, first)).toMatchObject({
      status: "done",
      sequenceNumber: seq,
      subSequenceNumber: 0,
    });
    expect(await markerOf(env, second)).toMatchObject({
      status: "done",
      sequenceNumber: seq,
      subSequenceNumber: 2,
    });
    expect(await ledgerItem(env, recordLedgerKey(shard.shardId, seq, 1))).toMatchObject({
      reason: "malformed",
      subSequenceNumber: 1,
      raw: Buffer.from("not a jwt").toString("base64"),
    });
    const corruptSeq = records[2]!.kinesis.sequenceNumber;
    expect(await ledgerItem(env, recordLedgerKey(shard.shardId, corruptSeq))).toMatchObject({
      status: "rejected",
      reason: "aggregate",
      raw: records[2]!.kinesis.data,
    });
  });

  test("a transient failure of one user record fails its aggregate from there on; redelivery dedupes the rest", async () => {
    const shard = new FakeShard();
    const [a, b] = [id("acc"), id("acc")];
    const m = [
      dealMessage(a, null, "lead", 1),
      dealMessage(a, "lead", "qualified", 1),
      dealMessage(a, "qualified", "proposal", 1),
    ];
    const other = noteMessage(b, false);
    const later = noteMessage(a, false);
    const records = [
      shard.record(a, aggregate(a, await Promise.all(m.map((x) => sign(env, x))))),
      shard.record(b, await sign(env, other)),
      shard.record(a, await sign(env, later)),
    ];

    const result = await pipeline({ processors: failingFor(new Set([m[1]!.jti])) }).process(event(records));
    expect(statuses(result)).toEqual(["processed", "failed", "unfinished", "processed", "unfinished"]);
    // Lambda checkpoints Kinesis records: the aggregate is named, once, with the later record of its key.
    expect(result.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      records[0]!.kinesis.sequenceNumber,
      records[2]!.kinesis.sequenceNumber,
    ]);

    const retry = await pipeline().process(event(records));
    expect(statuses(retry)).toEqual(["duplicate", "processed", "processed", "duplicate", "processed"]);
    expect(retry.response.batchItemFailures).toEqual([]);
    expect((await accountItems(env, a))["pipeline#EUR"]).toMatchObject({
      count_proposal: 1,
      amount_proposal: 1,
      count_lead: 0,
      count_qualified: 0,
    });
  });

  test("replay: a user record from the ledger keeps its position; a whole aggregate from the stream answers for all its user records", async () => {
    const shard = new FakeShard();
    const a = id("acc");
    const m = [
      dealMessage(a, null, "lead", 5),
      dealMessage(a, "lead", "qualified", 5),
      dealMessage(a, "qualified", "proposal", 5),
    ];
    const record = shard.record(a, aggregate(a, await Promise.all(m.map((x) => sign(env, x)))));
    const first = await pipeline({ processors: failingFor(new Set([m[1]!.jti])) }).process(event([record]));
    expect(statuses(first)).toEqual(["processed", "failed", "unfinished"]);
    const failedItem = await markerOf(env, m[1]!);
    expect(failedItem).toMatchObject({ status: "failed", subSequenceNumber: 1 });

    const deps = {
      pipeline: pipeline(),
      verify: env.verify,
      dynamodb: env.client,
      ledgerTable: env.ledgerTable,
    };
    const fromLedger = await ledgerCandidate(failedItem as Parameters<typeof ledgerCandidate>[0]);
    expect(fromLedger.records[0]).toMatchObject({
      sequenceNumber: record.kinesis.sequenceNumber,
      subSequenceNumber: 1,
    });
    const replayed = await runReplay([fromLedger], deps);
    expect(replayed.candidates[0]!.outcomes).toEqual([{ status: "processed" }]);
    expect(await markerOf(env, m[1]!)).toMatchObject({ status: "done", subSequenceNumber: 1 });

    // The on-failure path re-reads the Kinesis record itself: the aggregate, unpacked again by the pipeline.
    const whole = {
      id: "range",
      provenance: { source: "onfailure-s3" as const, bucket: "b", key: "k" },
      records: [
        {
          shardId: shard.shardId,
          sequenceNumber: record.kinesis.sequenceNumber,
          partitionKey: a,
          data: record.kinesis.data,
        },
      ],
    };
    // The dry run decodes the aggregate's base64 once, for the aggregate test, the split and the prediction.
    const from = jest.spyOn(Buffer, "from");
    let dry: Awaited<ReturnType<typeof runReplay>>;
    let decodes: number;
    try {
      dry = await runReplay([whole], deps, { dryRun: true });
      decodes = (from.mock.calls as unknown[][]).filter(
        ([v, e]) => v === record.kinesis.data && e === "base64",
      ).length;
    } finally {
      from.mockRestore();
    }
    expect(decodes).toBe(1);
    expect(dry.candidates[0]!.outcomes).toEqual([{ status: "processed" }]);
    const again = await runReplay([whole], deps);
    expect(again.candidates[0]).toMatchObject({ state: "done", outcomes: [{ status: "processed" }] });
    expect(await markerOf(env, m[2]!)).toMatchObject({ status: "done", subSequenceNumber: 2 });
    expect((await accountItems(env, a))["pipeline#EUR"]).toMatchObject({
      count_proposal: 1,
      count_qualified: 0,
    });
  });
});
