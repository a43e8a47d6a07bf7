import type { DemoSummary } from "./reconcile.js";

/** The summary as a plain-text table (no colours: it also goes to files and CI logs). */
export function formatSummary(summary: DemoSummary): string[] {
  const header = ["outcome", "expected", "consumer", "ledger", ""];
  const body = summary.rows.map((r) => {
    const ok = r.ledger === r.expected && (r.consumer === undefined || r.consumer === r.expected);
    const label = r.outcome.startsWith("rejected:") ? `  ${r.outcome.slice("rejected:".length)}` : r.outcome;
    return [
      label,
      String(r.expected),
      r.consumer === undefined ? "·" : String(r.consumer),
      String(r.ledger),
      ok ? "ok" : "DIFFERS",
    ];
  });
  const total = ["published", String(summary.published), "", "", ""];
  const rows = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === 0 || c === cells.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!),
      )
      .join("  ")
      .trimEnd();
  const rule = widths
    .map((w) => "-".repeat(w))
    .join("  ")
    .trimEnd();
  const out = [line(header), rule, ...body.map(line), rule, line(total)];
  if (summary.reconciled) {
    out.push(`Reconciled: every record's outcome matches the ledger and the consumer's own counts.`);
  } else {
    out.push("NOT reconciled:", ...summary.differences.map((d) => `  - ${d}`));
  }
  return out;
}
