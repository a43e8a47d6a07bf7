import { type FailureLine, type FoundLine, lineCandidates, parseFailureLine } from "./cloudwatch-source.js";

const SHARD = "shardId-000000000000";
const OTHER = "shardId-000000000001";
const raw = (s: string) => Buffer.from(s).toString("base64");

let clock = 1_764_036_000_000;
function found(line: Partial<FailureLine> & Pick<FailureLine, "outcome" | "sequenceNumber">): FoundLine {
  return {
    line: { shardId: SHARD, partitionKey: "acc_a", raw: raw(`t${line.sequenceNumber}`), ...line },
    event: { timestamp: clock++, logStreamName: "s", eventId: String(clock) },
  };
}
const seqs = (c: { records: Array<{ sequenceNumber: string }> }) => c.records.map((r) => r.sequenceNumber);
const decide = (lines: FoundLine[], streamAvailable = false, filters = {}) =>
  lineCandidates(lines, { logGroup: "/aws/lambda/consumer", streamAvailable, filters });

describe("CloudWatch source: the records held back after a failure come from the log lines", () => {
  test("an unfinished line parses like the others", () => {
    const line = parseFailureLine(
      JSON.stringify({
        level: "WARN",
        message: "record unfinished",
        outcome: "unfinished",
        shardId: SHARD,
        sequenceNumber: "12",
        partitionKey: "acc_a",
        jti: "j",
        iss: "crm-rails",
        identityVerified: false,
        reason: "unfinished_after_failure",
        raw: "QUJD",
        rawTruncated: false,
      }),
    );
    expect(line).toMatchObject({ outcome: "unfinished", reason: "unfinished_after_failure", raw: "QUJD" });
  });

  test("a failed line leads its key's unfinished lines: one candidate, in stream order, no stream needed", () => {
    const { candidates, fromStream } = decide([
      found({ outcome: "unfinished", sequenceNumber: "13", reason: "unfinished_after_failure" }),
      found({
        outcome: "failed",
        sequenceNumber: "10",
        reason: "processor_failed",
        type: "deal.stage_changed",
      }),
      found({ outcome: "unfinished", sequenceNumber: "12", reason: "unfinished_after_failure" }),
      found({
        outcome: "unfinished",
        sequenceNumber: "11",
        partitionKey: "acc_b",
        reason: "unfinished_deadline",
      }),
      found({
        outcome: "unfinished",
        sequenceNumber: "14",
        shardId: OTHER,
        reason: "unfinished_after_failure",
      }),
    ]);
    expect(fromStream).toEqual([]);
    expect(candidates.map((c) => [c.id, c.reason, seqs(c)])).toEqual([
      [`logs:${SHARD}:10+`, "processor_failed", ["10", "12", "13"]],
      [`logs:${SHARD}:11`, "unfinished_deadline", ["11"]],
      [`logs:${OTHER}:14`, "unfinished_after_failure", ["14"]],
    ]);
    expect(candidates[0]).toMatchObject({ type: "deal.stage_changed", provenance: { source: "cloudwatch" } });
    expect(candidates[0]!.records[1]).toEqual({
      shardId: SHARD,
      sequenceNumber: "12",
      partitionKey: "acc_a",
      data: raw("t12"),
    });
  });

  test("a retried record: the latest line decides; the followers of a filtered-out failure go with it", () => {
    const lines = [
      found({ outcome: "failed", sequenceNumber: "10", reason: "processor_failed" }),
      found({ outcome: "unfinished", sequenceNumber: "11", reason: "unfinished_after_failure" }),
      // Redelivery: 10 went through this time, 11 failed, 12 was held back.
      found({ outcome: "failed", sequenceNumber: "11", reason: "ledger_throttled" }),
      found({ outcome: "unfinished", sequenceNumber: "12", reason: "unfinished_after_failure" }),
    ];
    expect(decide(lines).candidates.map((c) => [c.reason, seqs(c)])).toEqual([
      ["processor_failed", ["10"]],
      ["ledger_throttled", ["11", "12"]],
    ]);
    expect(decide(lines, false, { reasons: ["processor_failed"] }).candidates.map((c) => seqs(c))).toEqual([
      ["10"],
    ]);
  });

  test("older lines (a failed line without raw, no unfinished lines) fall back to the stream, else are unrecoverable", () => {
    const old = [
      found({ outcome: "failed", sequenceNumber: "10", reason: "processor_failed", raw: undefined }),
      found({ outcome: "unfinished", sequenceNumber: "11", reason: "unfinished_after_failure" }),
    ];
    expect(decide(old, true)).toEqual({
      candidates: [],
      fromStream: [expect.objectContaining({ shardId: SHARD, sequenceNumber: "10", partitionKey: "acc_a" })],
    });
    const { candidates } = decide(old, false);
    expect(candidates).toHaveLength(1);
    expect(candidates[0]).toMatchObject({ records: [], unrecoverable: { code: "no_stream" } });
    // A follower cut at the log bound makes the whole key come from the stream (order per key).
    const cut = [
      found({ outcome: "failed", sequenceNumber: "10", reason: "processor_failed" }),
      found({ outcome: "unfinished", sequenceNumber: "11", rawTruncated: true }),
    ];
    expect(decide(cut, true).fromStream.map((f) => f.sequenceNumber)).toEqual(["10"]);
  });

  test("rejected lines stand alone, and still resolve their rec# item or reopen the processor's marker", () => {
    const { candidates } = decide([
      found({ outcome: "rejected", sequenceNumber: "10", reason: "unknown_key" }),
      found({ outcome: "rejected", sequenceNumber: "11", reason: "processor", iss: "crm-rails", jti: "j" }),
      found({ outcome: "unfinished", sequenceNumber: "12", reason: "unfinished_after_failure" }),
    ]);
    expect(candidates.map((c) => seqs(c))).toEqual([["10"], ["11"], ["12"]]);
    expect(candidates[0]).toMatchObject({ resolvesLedgerPk: `rec#${SHARD}#10` });
    expect(candidates[1]).toMatchObject({ reopen: { pk: "msg#crm-rails#j" } });
  });

  test("a verification rejection with a signed identity reopens its msg# marker; without the flag it is rec#", () => {
    const parsed = parseFailureLine(
      JSON.stringify({
        outcome: "rejected",
        shardId: SHARD,
        sequenceNumber: "20",
        iss: "crm-rails",
        jti: "k",
        reason: "invalid_payload",
        identityVerified: true,
        raw: "QUJD",
      }),
    );
    expect(parsed).toMatchObject({ identityVerified: true });
    const { candidates } = decide([
      { line: parsed!, event: { timestamp: clock++ } },
      // A line of an older consumer (or an unverified identity) names the position the item is keyed by.
      found({ outcome: "rejected", sequenceNumber: "21", reason: "expired", iss: "crm-rails", jti: "m" }),
    ]);
    expect(candidates[0]).toMatchObject({ reopen: { pk: "msg#crm-rails#k" } });
    expect(candidates[0]).not.toHaveProperty("resolvesLedgerPk");
    expect(candidates[1]).toMatchObject({ resolvesLedgerPk: `rec#${SHARD}#21` });
    expect(candidates[1]).not.toHaveProperty("reopen");
  });
});
