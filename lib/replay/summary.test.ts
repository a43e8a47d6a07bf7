import {
  addUnrecoverable,
  countOutcome,
  emptySummary,
  formatSummaryTable,
  mergeSummary,
  nothingLeftFailed,
  summaryRows,
} from "./summary.js";

describe("replay summary", () => {
  test("counts each outcome, rejections by reason and failures by code", () => {
    const s = emptySummary(false);
    countOutcome(s, { status: "processed" });
    countOutcome(s, { status: "processed" });
    countOutcome(s, { status: "duplicate" });
    countOutcome(s, { status: "rejected", reason: "expired", detail: "" });
    countOutcome(s, { status: "rejected", reason: "expired", detail: "" });
    countOutcome(s, { status: "rejected", reason: "bad_signature", detail: "" });
    countOutcome(s, { status: "failed", code: "processor_failed", detail: "" });
    expect(s).toMatchObject({
      replayed: 7,
      processed: 2,
      duplicates: 1,
      rejected: { expired: 2, bad_signature: 1 },
      failed: { processor_failed: 1 },
    });
    expect(nothingLeftFailed(s)).toBe(false);
  });

  test("nothing left failed without failures and unrecoverable ranges; permanent rejections are done", () => {
    const s = emptySummary(false);
    countOutcome(s, { status: "processed" });
    countOutcome(s, { status: "duplicate" });
    countOutcome(s, { status: "parked", reason: "parked_behind" });
    expect(nothingLeftFailed(s)).toBe(true);
    countOutcome(s, { status: "rejected", reason: "bad_signature", detail: "" });
    expect(nothingLeftFailed(s)).toBe(true);
    addUnrecoverable(s, {
      id: "sqs:1",
      provenance: { source: "onfailure-sqs", queueUrl: "q", messageId: "1" },
      records: [],
      unrecoverable: { code: "trimmed", detail: "gone" },
    });
    expect(nothingLeftFailed(s)).toBe(false);
    expect(s.unrecoverable).toEqual([
      {
        candidate: "sqs:1",
        provenance: { source: "onfailure-sqs", queueUrl: "q", messageId: "1" },
        code: "trimmed",
        detail: "gone",
      },
    ]);
    addUnrecoverable(s, {
      id: "ok",
      provenance: { source: "ledger", pk: "p", status: "failed" },
      records: [],
    });
    expect(s.unrecoverable).toHaveLength(1);
  });

  test("the closing table lists every figure, reasons indented, and says 'would' in a dry run", () => {
    const s = emptySummary(false);
    countOutcome(s, { status: "rejected", reason: "unknown_key", detail: "" });
    addUnrecoverable(s, {
      id: "sqs:9",
      provenance: { source: "onfailure-sqs", queueUrl: "q", messageId: "9" },
      records: [],
      unrecoverable: { code: "range_not_found", detail: "no record" },
    });
    const table = formatSummaryTable(s);
    expect(table).toMatch(/^candidates\s+0$/m);
    expect(table).toMatch(/^still rejected\s+1$/m);
    expect(table).toMatch(/^ {2}unknown_key\s+1$/m);
    expect(table).toMatch(/^ {2}range_not_found\s+sqs:9: no record$/m);
    expect(table).toMatch(/^acknowledged at source\s+0$/m);
    const dry = summaryRows(emptySummary(true)).map(([k]) => k);
    expect(dry).toEqual(expect.arrayContaining(["would replay", "would process", "would be rejected"]));
    expect(dry).not.toContain("acknowledged at source");
  });

  test("merging adds counts and keeps every unrecoverable entry", () => {
    const a = emptySummary(false);
    const b = emptySummary(false);
    countOutcome(a, { status: "rejected", reason: "expired", detail: "" });
    countOutcome(b, { status: "rejected", reason: "expired", detail: "" });
    countOutcome(b, { status: "processed" });
    b.acknowledged = 2;
    addUnrecoverable(b, {
      id: "x",
      provenance: { source: "ledger", pk: "p", status: "rejected" },
      records: [],
      unrecoverable: { code: "raw_truncated", detail: "d" },
    });
    expect(mergeSummary(a, b)).toMatchObject({
      replayed: 3,
      processed: 1,
      rejected: { expired: 2 },
      acknowledged: 2,
      unrecoverable: [expect.objectContaining({ code: "raw_truncated" })],
    });
  });
});
