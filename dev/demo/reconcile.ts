import type { LedgerRow } from "./ledger-scan.js";
import type { ConsumerTally } from "./observed-metrics.js";
import type { PublishedRecord } from "./publish-workload.js";
import type { ExpectedOutcome } from "./workload.js";

/** `processed`, `duplicate`, `failed`, or `rejected:<reason>`; plus what the ledger may show instead. */
export type OutcomeKey = string;

export interface SummaryRow {
  outcome: OutcomeKey;
  expected: number;
  /** The consumer's own count (its metrics); undefined where it reports none (ledger-only rows). */
  consumer?: number;
  ledger: number;
}

export interface DemoSummary {
  published: number;
  rows: SummaryRow[];
  /** Ledger items that belong to no record of this run (only counted against a stack the demo started). */
  unexpectedLedgerItems: number;
  reconciled: boolean;
  /** Why not, one line each (empty when reconciled). */
  differences: string[];
}

export interface ReconcileInput {
  records: readonly PublishedRecord[];
  ledger: readonly LedgerRow[];
  consumer: ConsumerTally;
  /** The ledger holds this run's items only (a fresh stack): anything else in it is a difference. */
  ledgerIsOurs: boolean;
}

const keyOf = (o: ExpectedOutcome): OutcomeKey =>
  o.status === "rejected" ? `rejected:${o.reason}` : o.status;
const at = (shardId: string | undefined, seq: string | undefined) => `${shardId}/${seq}`;

/** What the ledger says became of a ledger item's record. */
function ledgerOutcome(row: LedgerRow | undefined): OutcomeKey {
  if (!row) return "missing";
  if (row.status === "done") return "processed";
  if (row.status === "rejected") return `rejected:${row.reason ?? "?"}`;
  return row.status; // failed, in_progress
}

const ORDER = ["processed", "duplicate", "rejected", "failed"];
const rank = (k: OutcomeKey) => {
  const i = ORDER.indexOf(k.split(":")[0] as string);
  return i < 0 ? ORDER.length : i;
};

/**
 * Each published record's expected outcome against (a) the ledger item at its stream position (for a
 * duplicate: no item of its own, and its original's item `done`) and (b) the consumer's own counts. Ledger
 * items are matched by (shard, sequence number), which every item carries, so a shared ledger (integration
 * tests, LocalStack) can be reconciled too.
 */
export function reconcile(input: ReconcileInput): DemoSummary {
  const byPosition = new Map(input.ledger.map((r) => [at(r.shardId, r.sequenceNumber), r]));
  const originals = new Map(
    input.records.filter((r) => r.kind !== "duplicate").map((r) => [r.jti, r] as const),
  );
  const expected = new Map<OutcomeKey, number>();
  const ledger = new Map<OutcomeKey, number>();
  const bump = (m: Map<OutcomeKey, number>, k: OutcomeKey) => m.set(k, (m.get(k) ?? 0) + 1);
  const differences: string[] = [];
  const mismatches: string[] = [];
  const ours = new Set<string>();

  for (const record of input.records) {
    const want = keyOf(record.expected);
    bump(expected, want);
    const own = at(record.shardId, record.sequenceNumber);
    let got: OutcomeKey;
    if (record.kind === "duplicate") {
      const original = originals.get(record.jti);
      const originalRow = original && byPosition.get(at(original.shardId, original.sequenceNumber));
      got = byPosition.has(own)
        ? `own item: ${ledgerOutcome(byPosition.get(own))}`
        : originalRow?.status === "done"
          ? "duplicate"
          : `original ${ledgerOutcome(originalRow)}`;
      if (byPosition.has(own)) ours.add(own);
    } else {
      got = ledgerOutcome(byPosition.get(own));
      if (byPosition.has(own)) ours.add(own);
    }
    bump(ledger, got);
    if (got !== want)
      mismatches.push(`${record.kind} ${record.jti} at ${own}: expected ${want}, ledger says ${got}`);
  }

  const consumerFinished = input.consumer.processed + input.consumer.duplicate + input.consumer.rejected;
  const consumerOf = (k: OutcomeKey): number | undefined =>
    k === "processed"
      ? input.consumer.processed
      : k === "duplicate"
        ? input.consumer.duplicate
        : k === "failed"
          ? input.consumer.failed
          : k.startsWith("rejected:")
            ? (input.consumer.rejectedByReason[k.slice("rejected:".length)] ?? 0)
            : undefined;

  const keys = new Set<OutcomeKey>([
    "processed",
    "duplicate",
    "failed",
    ...expected.keys(),
    ...ledger.keys(),
  ]);
  const rows: SummaryRow[] = [...keys]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((outcome) => {
      const row: SummaryRow = {
        outcome,
        expected: expected.get(outcome) ?? 0,
        ledger: ledger.get(outcome) ?? 0,
      };
      const consumer = consumerOf(outcome);
      if (consumer !== undefined) row.consumer = consumer;
      return row;
    });
  const expectedRejected = [...expected]
    .filter(([k]) => k.startsWith("rejected:"))
    .reduce((s, [, n]) => s + n, 0);
  const ledgerRejected = [...ledger]
    .filter(([k]) => k.startsWith("rejected:"))
    .reduce((s, [, n]) => s + n, 0);
  const firstReason = rows.findIndex((r) => r.outcome.startsWith("rejected:"));
  rows.splice(firstReason < 0 ? rows.length : firstReason, 0, {
    outcome: "rejected",
    expected: expectedRejected,
    consumer: input.consumer.rejected,
    ledger: ledgerRejected,
  });

  for (const row of rows) {
    if (row.ledger !== row.expected)
      differences.push(`${row.outcome}: expected ${row.expected}, ledger ${row.ledger}`);
    if (row.consumer !== undefined && row.consumer !== row.expected)
      differences.push(`${row.outcome}: expected ${row.expected}, consumer reported ${row.consumer}`);
  }
  if (consumerFinished !== input.records.length)
    differences.push(
      `records finished by the consumer: ${consumerFinished}, published: ${input.records.length}`,
    );
  const unexpectedLedgerItems = input.ledgerIsOurs
    ? input.ledger.filter((r) => !ours.has(at(r.shardId, r.sequenceNumber))).length
    : 0;
  if (unexpectedLedgerItems > 0)
    differences.push(`${unexpectedLedgerItems} ledger item(s) match no record this run published`);
  differences.push(...mismatches.slice(0, 10));
  if (mismatches.length > 10) differences.push(`... and ${mismatches.length - 10} more record(s)`);

  return {
    published: input.records.length,
    rows,
    unexpectedLedgerItems,
    reconciled: differences.length === 0,
    differences,
  };
}
