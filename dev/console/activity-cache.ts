import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type ActivityItem, queryActivity } from "../../lib/ledger/activity.js";

/** How far back each refresh looks again: items written with a slightly older clock still land. */
const OVERLAP_MS = 2 * 60_000;

/**
 * The activity index's items of the last `maxHours`, kept in memory by ledger key and refreshed
 * incrementally: the first fill reads the whole window (started when the console starts), every later
 * overview reads only what changed since the previous one (plus a small overlap). An item that changed
 * status replaces its earlier version, so counts never double.
 */
export class ActivityCache {
  private readonly items = new Map<string, ActivityItem>();
  private coveredUntil: number | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly maxHours: number,
    private readonly now: () => number,
  ) {}

  /** The items updated in the last `hours` (at most maxHours), refreshed first. */
  async window(hours: number): Promise<{ items: ActivityItem[]; sinceMs: number; untilMs: number }> {
    await this.refresh();
    const untilMs = this.coveredUntil!;
    const sinceMs = untilMs - Math.min(hours, this.maxHours) * 3_600_000;
    const since = new Date(sinceMs).toISOString();
    return { items: [...this.items.values()].filter((i) => i.updatedAt >= since), sinceMs, untilMs };
  }

  /** One refresh at a time; concurrent callers share it. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const untilMs = this.now();
    const oldest = untilMs - this.maxHours * 3_600_000;
    const sinceMs =
      this.coveredUntil === undefined ? oldest : Math.max(oldest, this.coveredUntil - OVERLAP_MS);
    for (const item of await queryActivity(this.client, this.tableName, { sinceMs, untilMs }))
      this.items.set(item.pk, item);
    const cutoff = new Date(oldest).toISOString();
    for (const [pk, item] of this.items) if (item.updatedAt < cutoff) this.items.delete(pk);
    this.coveredUntil = untilMs;
  }
}
