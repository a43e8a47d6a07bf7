import type { ReplayCandidate, ReplayOutcome, ReplaySummary } from "./types.js";

export function emptySummary(dryRun: boolean): ReplaySummary {
  return {
    dryRun,
    candidates: 0,
    filteredOut: 0,
    replayed: 0,
    processed: 0,
    duplicates: 0,
    parked: 0,
    rejected: {},
    failed: {},
    unrecoverable: [],
    acknowledged: 0,
    resolved: 0,
  };
}

/** Counts one record's outcome. */
export function countOutcome(summary: ReplaySummary, outcome: ReplayOutcome): void {
  summary.replayed++;
  switch (outcome.status) {
    case "processed":
      summary.processed++;
      break;
    case "duplicate":
      summary.duplicates++;
      break;
    case "parked":
      summary.parked++;
      break;
    case "rejected":
      summary.rejected[outcome.reason] = (summary.rejected[outcome.reason] ?? 0) + 1;
      break;
    case "failed":
      summary.failed[outcome.code] = (summary.failed[outcome.code] ?? 0) + 1;
      break;
  }
}

export function addUnrecoverable(summary: ReplaySummary, candidate: ReplayCandidate): void {
  if (!candidate.unrecoverable) return;
  summary.unrecoverable.push({
    candidate: candidate.id,
    provenance: candidate.provenance,
    ...candidate.unrecoverable,
    ...(candidate.range ? { range: candidate.range } : {}),
  });
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Nothing left failed: no record still failing, no range unrecoverable. Records rejected for a permanent
 * reason are done (kept in the ledger with their reason, never retried), so they do not count: exit 0 means
 * "done", exit 1 "something still fails or cannot be recovered".
 */
export function nothingLeftFailed(summary: ReplaySummary): boolean {
  return total(summary.failed) === 0 && summary.unrecoverable.length === 0;
}

/** The closing table of `kjp replay` (and the replay function's log line), one row per figure. */
export function summaryRows(summary: ReplaySummary): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ["candidates", String(summary.candidates)],
    ["filtered out", String(summary.filteredOut)],
    [summary.dryRun ? "would replay" : "replayed", String(summary.replayed)],
    [summary.dryRun ? "would process" : "processed", String(summary.processed)],
    ["duplicates skipped", String(summary.duplicates)],
  ];
  if (summary.parked > 0) rows.push(["parked behind their key", String(summary.parked)]);
  const rejected = Object.entries(summary.rejected).sort();
  rows.push([summary.dryRun ? "would be rejected" : "still rejected", String(total(summary.rejected))]);
  for (const [reason, n] of rejected) rows.push([`  ${reason}`, String(n)]);
  rows.push([summary.dryRun ? "would fail" : "still failed", String(total(summary.failed))]);
  for (const [code, n] of Object.entries(summary.failed).sort()) rows.push([`  ${code}`, String(n)]);
  rows.push(["unrecoverable", String(summary.unrecoverable.length)]);
  for (const u of summary.unrecoverable) rows.push([`  ${u.code}`, `${u.candidate}: ${u.detail}`]);
  if (!summary.dryRun) {
    rows.push(["acknowledged at source", String(summary.acknowledged)]);
    rows.push(["ledger rejections resolved", String(summary.resolved)]);
  }
  return rows;
}

export function formatSummaryTable(summary: ReplaySummary): string {
  const rows = summaryRows(summary);
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`;
}

/** Adds `b` into `a` (several replay rounds of one scheduled invocation). */
export function mergeSummary(a: ReplaySummary, b: ReplaySummary): ReplaySummary {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    for (const [k, n] of Object.entries(y)) x[k] = (x[k] ?? 0) + n;
  };
  a.candidates += b.candidates;
  a.filteredOut += b.filteredOut;
  a.replayed += b.replayed;
  a.processed += b.processed;
  a.duplicates += b.duplicates;
  a.parked += b.parked;
  add(a.rejected, b.rejected);
  add(a.failed, b.failed);
  a.unrecoverable.push(...b.unrecoverable);
  a.acknowledged += b.acknowledged;
  a.resolved += b.resolved;
  return a;
}
