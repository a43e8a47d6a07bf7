import { jest } from "@jest/globals";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamEvent } from "aws-lambda";
import { createProcessorRegistry } from "../../processors/index.js";
import { TransientError } from "../errors/kjp-error.js";
import { groupFailureLines, lineCandidates, parseFailureLine } from "../replay/cloudwatch-source.js";
import { createBatchTelemetry } from "./batch-telemetry.js";
import { decodeRecord } from "./decode.js";
import { createBatchPipeline } from "./pipeline.js";
import type { BatchResult, VerifyFn } from "./types.js";
import { LOG_RAW_MAX_CHARS, reportBatch } from "./report-batch.js";
import { toEvent } from "../kinesis/event-record.js";

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const token = (jti: string) =>
  `${b64url({ alg: "ES256", kid: "k" })}.${b64url({ iss: "crm-rails", jti })}.sig`;
const SHARD = "shardId-000000000001";

function event(records: Array<{ key: string; data: string; seq: string }>): KinesisStreamEvent {
  return toEvent(
    records.map((r) => ({
      shardId: SHARD,
      sequenceNumber: r.seq,
      partitionKey: r.key,
      data: Buffer.from(r.data),
      approximateArrivalMs: 1_764_036_000_000,
    })),
    { awsRegion: "us-east-1", invokeIdentityArn: "arn", eventSourceArn: "arn" },
  );
}

/** The JSON lines the real Powertools logger writes while `fn` runs (warn/error go to stderr). */
function captureLines(fn: () => void): Record<string, unknown>[] {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, "write").mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    }),
  );
  try {
    fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written
    .flatMap((w) => w.split("\n"))
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("unfinished records: their reason, and one log line each (no DynamoDB write)", () => {
  // Never called: no record here gets as far as a ledger write.
  const client = new DynamoDBClient({ region: "us-east-1" });
  afterAll(() => client.destroy());
  const pipeline = (verify: VerifyFn) =>
    createBatchPipeline({
      verify,
      processors: createProcessorRegistry(),
      dynamodb: client,
      ledgerTable: "ledger",
      projectionsTable: "projections",
      // No read before verification: no dedupe prefetch, and parking off (no park check either).
      settings: { prefetch: false, parkAfterAttempts: 0 },
    });
  const report = (result: BatchResult) =>
    captureLines(() =>
      reportBatch(
        result,
        createBatchTelemetry().summary(),
        new Logger({ serviceName: "kjp-test" }),
        new Metrics({ namespace: "kjp-test", serviceName: "kjp-test" }),
      ),
    );

  test("after a transient failure, the key's later records are unfinished_after_failure and logged with a peeked jti and the raw record", async () => {
    const verify: VerifyFn = () =>
      Promise.reject(new TransientError("keyset_timeout", "key set fetch timed out"));
    const big = `${token("j3")}${"x".repeat(LOG_RAW_MAX_CHARS)}`;
    const result = await pipeline(verify).process(
      event([
        { key: "acc_a", data: token("j1"), seq: "10" },
        { key: "acc_a", data: token("j2"), seq: "11" },
        { key: "acc_a", data: big, seq: "12" },
      ]),
    );
    expect(result.reports.map((r) => r.outcome)).toEqual([
      expect.objectContaining({ status: "failed" }),
      expect.objectContaining({ status: "unfinished", reason: "unfinished_after_failure" }),
      expect.objectContaining({ status: "unfinished", reason: "unfinished_after_failure" }),
    ]);
    expect(result.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["10", "11", "12"]);

    const lines = report(result).filter((l) => l.outcome);
    expect(lines.map((l) => [l.outcome, l.sequenceNumber, l.reason])).toEqual([
      ["failed", "10", "keyset_timeout"],
      ["unfinished", "11", "unfinished_after_failure"],
      ["unfinished", "12", "unfinished_after_failure"],
    ]);
    expect(lines[1]).toMatchObject({
      level: "WARN",
      message: "record unfinished",
      shardId: SHARD,
      partitionKey: "acc_a",
      jti: "j2",
      iss: "crm-rails",
      identityVerified: false,
      raw: Buffer.from(token("j2")).toString("base64"),
      rawTruncated: false,
    });
    expect(lines[0]).toMatchObject({ jti: "j1", raw: Buffer.from(token("j1")).toString("base64") });
    expect(lines[2]).toMatchObject({ rawTruncated: true });
    expect((lines[2]!.raw as string).length).toBe(LOG_RAW_MAX_CHARS);

    // What the CloudWatch source makes of these lines: one group led by the failure, in stream order.
    const parsed = lines.map((l, i) => ({
      line: parseFailureLine(JSON.stringify(l))!,
      event: { timestamp: 1000 + i },
    }));
    const groups = groupFailureLines(parsed);
    expect(groups.map((g) => g.map((f) => f.line.sequenceNumber))).toEqual([["10", "11", "12"]]);
  });

  test("near the timeout, records not started are unfinished_deadline, each logged", async () => {
    const verify: VerifyFn = () => Promise.reject(new Error("not reached"));
    const result = await pipeline(verify).process(
      event([
        { key: "acc_a", data: token("j1"), seq: "20" },
        { key: "acc_b", data: "not a jwt", seq: "21" },
      ]),
      { remainingMs: () => 0 },
    );
    expect(result.reports.map((r) => r.outcome)).toEqual([
      expect.objectContaining({ status: "unfinished", reason: "unfinished_deadline" }),
      expect.objectContaining({ status: "unfinished", reason: "unfinished_deadline" }),
    ]);
    const lines = report(result).filter((l) => l.outcome === "unfinished");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ jti: "j1", reason: "unfinished_deadline" });
    // Nothing could be peeked from junk: no identity at all rather than a made-up one.
    expect(lines[1]).not.toHaveProperty("jti");
    expect(lines[1]).not.toHaveProperty("identityVerified");
    expect(lines[1]).toMatchObject({
      partitionKey: "acc_b",
      raw: Buffer.from("not a jwt").toString("base64"),
    });
  });

  test("a rejected line says identityVerified only when the rejection is keyed by its signed iss/jti", () => {
    const rec = (seq: string, index: number) =>
      decodeRecord(event([{ key: "acc_a", data: token(seq), seq }]).Records[0]!, index);
    const facts = { iss: "crm-rails", jti: "j9", type: "deal.stage_changed" };
    const result: BatchResult = {
      response: { batchItemFailures: [] },
      reports: [
        {
          record: rec("30", 0),
          outcome: { status: "rejected", reason: "invalid_payload", detail: "d", identityVerified: true },
          facts,
        },
        {
          record: rec("31", 1),
          outcome: { status: "rejected", reason: "bad_signature", detail: "d" },
          facts,
        },
      ],
    };
    const lines = report(result).filter((l) => l.outcome === "rejected");
    expect(lines[0]).toMatchObject({ sequenceNumber: "30", jti: "j9", identityVerified: true });
    expect(lines[1]).toMatchObject({ sequenceNumber: "31", jti: "j9" });
    expect(lines[1]).not.toHaveProperty("identityVerified");
    const candidates = lineCandidates(
      lines.map((l, i) => ({ line: parseFailureLine(JSON.stringify(l))!, event: { timestamp: 1000 + i } })),
      { logGroup: "g", streamAvailable: false },
    ).candidates;
    expect(candidates.map((c) => c.reopen?.pk ?? c.resolvesLedgerPk)).toEqual([
      "msg#crm-rails#j9",
      `rec#${SHARD}#31`,
    ]);
  });
});
