import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type ActivityItem, queryActivity } from "../../lib/ledger/activity.js";
import { RefreshingWindowCache } from "./refreshing-window.js";

/** How far back each refresh looks again: items written with a slightly older clock still land. */
const OVERLAP_MS = 2 * 60_000;

/**
 * The activity index's items of the last `maxHours`, kept in memory by ledger key and refreshed
 * incrementally: the first fill reads the whole window (started when the console starts), every later
 * overview reads only what changed since the previous one (plus a small overlap). An item that changed
 * status replaces its earlier version, so counts never double.
 */
export class ActivityCache {
  private readonly cache: RefreshingWindowCache<ActivityItem>;

  constructor(client: DynamoDBClient, tableName: string, maxHours: number, now: () => number) {
    this.cache = new RefreshingWindowCache({
      maxHours,
      now,
      timeOf: (item) => Date.parse(item.updatedAt),
      load: async ({ untilMs, oldestMs, coveredUntilMs }) => {
        const sinceMs =
          coveredUntilMs === undefined ? oldestMs : Math.max(oldestMs, coveredUntilMs - OVERLAP_MS);
        const items = await queryActivity(client, tableName, { sinceMs, untilMs });
        return items.map((item) => [item.pk, item] as const);
      },
    });
  }

  /** The items updated in the last `hours` (at most maxHours), refreshed first. */
  async window(hours: number): Promise<{ items: ActivityItem[]; sinceMs: number; untilMs: number }> {
    const { values, sinceMs, untilMs } = await this.cache.window(hours);
    return { items: values, sinceMs, untilMs };
  }

  refresh(): Promise<number> {
    return this.cache.refresh();
  }
}
