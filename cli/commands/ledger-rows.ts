import type { LedgerEntry } from "../../lib/ledger/inspect.js";

/** How ledger items look on a terminal and in JSON lines: shared by `kjp ledger` and `kjp failures`. */

/** Cuts text to `max` characters; the "…" marks a cut, so text that fits is printed as it is. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The item with its raw record cut to `max` characters (only when longer), for JSON lines. */
export function withClippedRaw(item: LedgerEntry, max = 80): LedgerEntry {
  return typeof item.raw === "string" && item.raw.length > max ? { ...item, raw: clip(item.raw, max) } : item;
}

/** Rows as an aligned text table (header first); the last column is not padded. */
export function formatTable(rows: Array<Record<string, string>>, columns: readonly string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return `${[line([...columns]), ...rows.map((r) => line(columns.map((c) => r[c] ?? "")))].join("\n")}\n`;
}

const text = (v: unknown) => (v === undefined || v === null ? "" : String(v));

export const FAILURE_COLUMNS = ["failedAt", "status", "reason", "type", "jti", "position"] as const;
export const LEDGER_LIST_COLUMNS = [...FAILURE_COLUMNS, "attempts", "detail"] as const;

/** One failure as table cells; `detail` (free text from the verifier) is cut to stay on one line. */
export function failureRow(item: LedgerEntry): Record<(typeof LEDGER_LIST_COLUMNS)[number], string> {
  return {
    failedAt: text(item.failedAt),
    status: text(item.failureStatus ?? item.status),
    reason: text(item.reason),
    type: text(item.type),
    jti: text(item.jti),
    position: item.shardId ? `${text(item.shardId)}:${text(item.sequenceNumber)}` : "",
    attempts: text(item.attempts),
    detail: clip(text(item.detail).replace(/\s+/g, " "), 60),
  };
}
