import type { ActivityItem } from "../../lib/ledger/activity.js";
import { ACTIVITY_STATUSES } from "./statuses.js";

export interface TypeSeries {
  type: string;
  /** Per status, one count per minute of `minutes`. */
  counts: Record<string, number[]>;
}

export interface ActivityChart {
  /** ISO minute (YYYY-MM-DDTHH:MM) of each column. */
  minutes: string[];
  statuses: string[];
  series: TypeSeries[];
  totals: Record<string, number>;
}

/** Counts per minute, status and message type over [sinceMs, untilMs]; statuses outside the list are ignored. */
export function activityChart(
  items: readonly ActivityItem[],
  sinceMs: number,
  untilMs: number,
): ActivityChart {
  const first = Math.floor(sinceMs / 60_000);
  const last = Math.floor(untilMs / 60_000);
  const minutes: string[] = [];
  for (let m = first; m <= last; m++) minutes.push(new Date(m * 60_000).toISOString().slice(0, 16));
  const statuses: string[] = [...ACTIVITY_STATUSES];
  const totals = Object.fromEntries(statuses.map((s) => [s, 0]));
  const byType = new Map<string, TypeSeries>();
  for (const item of items) {
    if (!statuses.includes(item.status)) continue;
    const at = Date.parse(item.updatedAt);
    const column = Math.floor(at / 60_000) - first;
    if (Number.isNaN(at) || column < 0 || column >= minutes.length) continue;
    const type = item.type ?? "(unknown)";
    let series = byType.get(type);
    if (!series) {
      series = { type, counts: Object.fromEntries(statuses.map((s) => [s, minutes.map(() => 0)])) };
      byType.set(type, series);
    }
    series.counts[item.status]![column]!++;
    totals[item.status]!++;
  }
  return {
    minutes,
    statuses,
    series: [...byType.values()].sort((a, b) => a.type.localeCompare(b.type)),
    totals,
  };
}
