import type { ActivityItem } from "../../lib/ledger/activity.js";
import { minutesBetween, type OutcomeCounterRow } from "../../lib/ledger/outcome-counters.js";
import { ACTIVITY_STATUSES, CHART_OUTCOMES } from "./statuses.js";

export interface TypeSeries {
  type: string;
  /** Per outcome, one count per minute of `minutes`. */
  counts: Record<string, number[]>;
}

export interface OutcomeChart {
  /** ISO minute (YYYY-MM-DDTHH:MM) of each column. */
  minutes: string[];
  statuses: string[];
  series: TypeSeries[];
  totals: Record<string, number>;
}

/** Counter rows per minute, outcome and message type over [sinceMs, untilMs] (reasons added together). */
export function outcomeChart(
  rows: readonly OutcomeCounterRow[],
  sinceMs: number,
  untilMs: number,
): OutcomeChart {
  const minutes = minutesBetween(sinceMs, untilMs);
  const column = new Map(minutes.map((m, i) => [m, i]));
  const statuses: string[] = [...CHART_OUTCOMES];
  const totals = Object.fromEntries(statuses.map((s) => [s, 0]));
  const byType = new Map<string, TypeSeries>();
  for (const row of rows) {
    const i = column.get(row.minute);
    if (i === undefined || !statuses.includes(row.outcome)) continue;
    let series = byType.get(row.type);
    if (!series) {
      series = { type: row.type, counts: Object.fromEntries(statuses.map((s) => [s, minutes.map(() => 0)])) };
      byType.set(row.type, series);
    }
    series.counts[row.outcome]![i]! += row.n;
    totals[row.outcome]! += row.n;
  }
  return {
    minutes,
    statuses,
    series: [...byType.values()].sort((a, b) => a.type.localeCompare(b.type)),
    totals,
  };
}

/** The newest rejected, failed or replayed ledger items of the window, newest first (at most `limit`). */
export function recentProblems(items: readonly ActivityItem[], limit: number): ActivityItem[] {
  const shown: readonly string[] = ACTIVITY_STATUSES;
  return items
    .filter((i) => shown.includes(i.status))
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.pk.localeCompare(b.pk))
    .slice(0, limit);
}
