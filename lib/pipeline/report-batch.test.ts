import { jest } from "@jest/globals";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamEvent } from "aws-lambda";
import { createProcessorRegistry } from "../../processors/index.js";
import { TransientError } from "../errors/kjp-error.js";
import { groupFailureLines, lineCandidates, parseFailureLines } from "../replay/cloudwatch-source.js";
import { createBatchTelemetry } from "./batch-telemetry.js";
import { decodeRecord } from "./decode.js";
import { createBatchPipeline } from "./pipeline.js";
import type { BatchResult, VerifyFn } from "./types.js";
import { reportBatch } from "./report-batch.js";
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

  test("after a transient failure, the key's later records are unfinished_after_failure, named by position with a peeked jti, never with their bytes", async () => {
    const verify: VerifyFn = () =>
      Promise.reject(new TransientError("keyset_timeout", "key set fetch timed out"));
    const result = await pipeline(verify).process(
      event([
        { key: "acc_a", data: token("j1"), seq: "10" },
        { key: "acc_a", data: token("j2"), seq: "11" },
        { key: "acc_a", data: `${token("j3")}${"x".repeat(5000)}`, seq: "12" },
      ]),
    );
    expect(result.reports.map((r) => r.outcome)).toEqual([
      expect.objectContaining({ status: "failed" }),
      expect.objectContaining({ status: "unfinished", reason: "unfinished_after_failure" }),
      expect.objectContaining({ status: "unfinished", reason: "unfinished_after_failure" }),
    ]);
    expect(result.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["10", "11", "12"]);

    const lines = report(result).filter((l) => l.outcome);
    expect(lines.map((l) => [l.outcome, l.reason, l.count])).toEqual([
      ["failed", "keyset_timeout", 1],
      ["unfinished", "unfinished_after_failure", 2],
    ]);
    expect(lines[1]).toMatchObject({
      level: "WARN",
      message: "records unfinished",
      shardId: SHARD,
      records: [
        { sequenceNumber: "11", partitionKey: "acc_a", jti: "j2", iss: "crm-rails", identityVerified: false },
        { sequenceNumber: "12", partitionKey: "acc_a", jti: "j3", iss: "crm-rails", identityVerified: false },
      ],
    });
    expect(lines[0]).toMatchObject({ level: "ERROR", records: [{ sequenceNumber: "10", jti: "j1" }] });
    for (const line of lines) expect(JSON.stringify(line)).not.toMatch(/"raw"|eyJ/);

    // What the CloudWatch source makes of these lines: one group led by the failure, in stream order.
    const parsed = lines.flatMap((l, i) =>
      parseFailureLines(JSON.stringify(l)).map((line) => ({ line, event: { timestamp: 1000 + i } })),
    );
    const groups = groupFailureLines(parsed);
    expect(groups.map((g) => g.map((f) => f.line.sequenceNumber))).toEqual([["10", "11", "12"]]);
  });

  test("near the timeout, records not started are unfinished_deadline, in one line", async () => {
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
    expect(lines).toHaveLength(1);
    const records = lines[0]!.records as Array<Record<string, unknown>>;
    expect(records[0]).toMatchObject({ jti: "j1", sequenceNumber: "20" });
    // Nothing could be peeked from junk: no identity at all rather than a made-up one.
    expect(records[1]).toEqual({ sequenceNumber: "21", partitionKey: "acc_b" });
  });

  test("rejections: one line per reason with a few samples, whatever the count, and no payload", async () => {
    const personal = (seq: string) =>
      `${b64url({ alg: "ES256", kid: "k" })}.${b64url({
        iss: "crm-rails",
        jti: `j${seq}`,
        type: "contact.upserted",
        data: { email: "ada@example.com", givenName: "Ada", phone: "+44 20 7946 0000" },
      })}.sig`;
    const records = Array.from({ length: 1_000 }, (_, i) => ({
      key: `acc_${i % 7}`,
      data: i % 2 ? personal(String(100 + i)) : "junk",
      seq: String(100 + i),
    }));
    const rejectAll: VerifyFn = async (t) => ({
      ok: false,
      rejection: {
        reason: Buffer.from(t).toString() === "junk" ? "malformed" : "unknown_key",
        detail: "refused",
      },
    });
    const result: BatchResult = await pipeline(rejectAll).process(event(records), {
      remainingMs: () => 0,
    });
    // Out of time before any commit: every record unfinished; then the same reports, as rejections.
    const rejected: BatchResult = {
      response: { batchItemFailures: [] },
      reports: result.reports.map((r, i) => ({
        ...r,
        outcome: { status: "rejected", reason: i % 2 ? "unknown_key" : "malformed", detail: "refused" },
      })),
    };
    const lines = report(rejected).filter((l) => l.outcome === "rejected");
    expect(lines.map((l) => [l.reason, l.count, l.part, l.parts])).toEqual([
      ["malformed", 500, 1, 3],
      ["malformed", 500, 2, 3],
      ["malformed", 500, 3, 3],
      ["unknown_key", 500, 1, 3],
      ["unknown_key", 500, 2, 3],
      ["unknown_key", 500, 3, 3],
    ]);
    expect(lines.every((l) => (l.samples as unknown[]).length <= 3)).toBe(true);
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/ada@example\.com|"Ada"|\+44 20 7946|"raw"/);
    expect(lines.reduce((n, l) => n + (l.records as unknown[]).length, 0)).toBe(1_000);
  });

  test("a rejected record says identityVerified: true only when the rejection is keyed by its signed iss/jti", () => {
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
          facts: { ...facts, claimsVerified: false },
        },
      ],
    };
    const lines = report(result).filter((l) => l.outcome === "rejected");
    const named = lines.flatMap((l) => l.records as Array<Record<string, unknown>>);
    expect(named[0]).toMatchObject({ sequenceNumber: "30", jti: "j9", identityVerified: true });
    expect(named[1]).toMatchObject({ sequenceNumber: "31", jti: "j9", identityVerified: false });
    const candidates = lineCandidates(
      lines.flatMap((l, i) =>
        parseFailureLines(JSON.stringify(l)).map((line) => ({ line, event: { timestamp: 1000 + i } })),
      ),
      { logGroup: "g", streamAvailable: false },
    ).candidates;
    expect(candidates.map((c) => c.reopen?.pk ?? c.resolvesLedgerPk)).toEqual([
      "msg#crm-rails#j9",
      `rec#${SHARD}#31`,
    ]);
  });
});

describe("outcome counters not written", () => {
  test("cost one warning and one metric, and the batch's own report is unchanged", () => {
    const telemetry = createBatchTelemetry();
    telemetry.observer.outcomeCounters?.({ writes: 0, ms: 1000, error: "AbortError: deadline" });
    const metrics = new Metrics({ namespace: "kjp-test", serviceName: "kjp-test" });
    const added = jest.spyOn(metrics, "addMetric");
    const result: BatchResult = { response: { batchItemFailures: [] }, reports: [] };
    const lines = captureLines(() =>
      reportBatch(result, telemetry.summary(), new Logger({ serviceName: "kjp-test" }), metrics),
    );
    expect(lines).toEqual([
      expect.objectContaining({ message: "outcome counters not written", error: "AbortError: deadline" }),
    ]);
    expect(added).toHaveBeenCalledWith("outcomeCountersNotWritten", "Count", 1);
    added.mockClear();
    const quiet = captureLines(() =>
      reportBatch(result, createBatchTelemetry().summary(), new Logger({ serviceName: "kjp-test" }), metrics),
    );
    expect(quiet).toEqual([]);
    expect(added).not.toHaveBeenCalledWith("outcomeCountersNotWritten", expect.anything(), expect.anything());
  });
});
