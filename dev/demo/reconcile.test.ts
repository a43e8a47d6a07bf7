import type { LedgerRow } from "./ledger-scan.js";
import { emptyTally, type ConsumerTally } from "./observed-metrics.js";
import type { PublishedRecord } from "./publish-workload.js";
import { reconcile } from "./reconcile.js";
import { formatSummary } from "./summary-table.js";

const rec = (
  jti: string,
  seq: string,
  kind: PublishedRecord["kind"],
  expected: PublishedRecord["expected"],
): PublishedRecord => ({
  jti,
  kind,
  expected,
  partitionKey: "acc_DEMO0001",
  shardId: "shard-0",
  sequenceNumber: seq,
});

const records: PublishedRecord[] = [
  rec("a", "1", "valid", { status: "processed" }),
  rec("b", "2", "valid", { status: "processed" }),
  rec("c", "3", "expired", { status: "rejected", reason: "expired" }),
  rec("d", "4", "untrusted_kid", { status: "rejected", reason: "unknown_key" }),
  rec("a", "5", "duplicate", { status: "duplicate" }),
];
const ledger: LedgerRow[] = [
  { pk: "msg#i#a", status: "done", shardId: "shard-0", sequenceNumber: "1" },
  { pk: "msg#i#b", status: "done", shardId: "shard-0", sequenceNumber: "2" },
  { pk: "msg#i#c", status: "rejected", reason: "expired", shardId: "shard-0", sequenceNumber: "3" },
  { pk: "rec#shard-0#4", status: "rejected", reason: "unknown_key", shardId: "shard-0", sequenceNumber: "4" },
];
const consumer: ConsumerTally = {
  ...emptyTally(),
  invocations: 1,
  processed: 2,
  duplicate: 1,
  rejected: 2,
  rejectedByReason: { expired: 1, unknown_key: 1 },
};

describe("reconcile", () => {
  test("matching ledger and consumer counts reconcile", () => {
    const s = reconcile({ records, ledger, consumer, ledgerIsOurs: true });
    expect(s.differences).toEqual([]);
    expect(s.reconciled).toBe(true);
    expect(s.rows).toEqual([
      { outcome: "processed", expected: 2, consumer: 2, ledger: 2 },
      { outcome: "duplicate", expected: 1, consumer: 1, ledger: 1 },
      { outcome: "rejected", expected: 2, consumer: 2, ledger: 2 },
      { outcome: "rejected:expired", expected: 1, consumer: 1, ledger: 1 },
      { outcome: "rejected:unknown_key", expected: 1, consumer: 1, ledger: 1 },
      { outcome: "failed", expected: 0, consumer: 0, ledger: 0 },
    ]);
  });

  test("the consumer's count of a reason must agree too", () => {
    const miscounted = { ...consumer, rejectedByReason: { expired: 2 } };
    const s = reconcile({ records, ledger, consumer: miscounted, ledgerIsOurs: true });
    expect(s.reconciled).toBe(false);
    expect(s.differences).toContain("rejected:expired: expected 1, consumer reported 2");
    expect(s.differences).toContain("rejected:unknown_key: expected 1, consumer reported 0");
  });

  test("a record missing from the ledger is named", () => {
    const s = reconcile({ records, ledger: ledger.slice(1), consumer, ledgerIsOurs: true });
    expect(s.reconciled).toBe(false);
    expect(s.differences).toContain("processed: expected 2, ledger 1");
    expect(s.differences.join("\n")).toMatch(
      /valid a at shard-0\/1: expected processed, ledger says missing/,
    );
    // Its duplicate no longer has a done original either.
    expect(s.differences.join("\n")).toMatch(
      /duplicate a at shard-0\/5: expected duplicate, ledger says original missing/,
    );
  });

  test("a wrong reason, an extra item, and a duplicate with its own item are differences", () => {
    const wrong = ledger.map((r) => (r.sequenceNumber === "3" ? { ...r, reason: "claims" } : r));
    const extra: LedgerRow[] = [
      ...wrong,
      { pk: "msg#i#a2", status: "done", shardId: "shard-0", sequenceNumber: "5" },
      { pk: "msg#other#z", status: "done", shardId: "shard-1", sequenceNumber: "9" },
    ];
    const s = reconcile({ records, ledger: extra, consumer, ledgerIsOurs: true });
    expect(s.reconciled).toBe(false);
    expect(s.rows).toContainEqual({ outcome: "rejected:claims", expected: 0, consumer: 0, ledger: 1 });
    expect(s.rows).toContainEqual({ outcome: "own item: processed", expected: 0, ledger: 1 });
    expect(s.unexpectedLedgerItems).toBe(1);
    expect(s.differences).toContain("1 ledger item(s) match no record this run published");
  });

  test("on a shared ledger, other runs' items are ignored", () => {
    const shared = [
      ...ledger,
      { pk: "msg#other#z", status: "rejected", reason: "expired", shardId: "shard-1", sequenceNumber: "9" },
    ];
    expect(reconcile({ records, ledger: shared, consumer, ledgerIsOurs: false }).reconciled).toBe(true);
  });

  test("the consumer's own counts must agree too", () => {
    const s = reconcile({
      records,
      ledger,
      consumer: { ...consumer, duplicate: 0, failed: 1 },
      ledgerIsOurs: true,
    });
    expect(s.differences).toEqual([
      "duplicate: expected 1, consumer reported 0",
      "failed: expected 0, consumer reported 1",
      "records finished by the consumer: 4, published: 5",
    ]);
  });
});

describe("formatSummary", () => {
  test("a table with every outcome and a verdict", () => {
    const lines = formatSummary(reconcile({ records, ledger, consumer, ledgerIsOurs: true }));
    expect(lines[0]).toMatch(/^outcome\s+expected\s+consumer\s+ledger$/);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}unknown_key\s+1\s+1\s+1\s+ok$/));
    expect(lines).toContainEqual(expect.stringMatching(/^published\s+5$/));
    expect(lines.at(-1)).toMatch(/^Reconciled/);
  });

  test("differences are listed and flagged", () => {
    const lines = formatSummary(
      reconcile({ records, ledger: ledger.slice(1), consumer, ledgerIsOurs: true }),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^processed\s+2\s+2\s+1\s+DIFFERS$/));
    expect(lines).toContain("NOT reconciled:");
    expect(lines).toContain("  - processed: expected 2, ledger 1");
  });
});
