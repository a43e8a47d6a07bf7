import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  minuteOf,
  minutesBetween,
  type OutcomeCounterRow,
  readOutcomeCounters,
} from "../../lib/ledger/outcome-counters.js";
import { RefreshingWindowCache } from "./refreshing-window.js";

interface MinuteRows {
  minute: string;
  rows: OutcomeCounterRow[];
}

/**
 * The ledger's per-minute outcome counters (lib/ledger/outcome-counters.ts) of the last `maxHours`, kept in
 * memory by minute. A batch counts at the minute it ends, so a minute stops changing once it is over (clocks
 * of different Lambdas aside: one more minute of slack); the console re-reads only the last two minutes and
 * any it has not read yet.
 */
export class OutcomeCounterCache {
  private readonly cache: RefreshingWindowCache<MinuteRows>;

  constructor(client: DynamoDBClient, tableName: string, maxHours: number, now: () => number) {
    this.cache = new RefreshingWindowCache({
      maxHours,
      now,
      // A minute belongs to every window that reaches into it: it stands for its last millisecond.
      timeOf: ({ minute }) => Date.parse(`${minute}:59.999Z`),
      load: async ({ untilMs, oldestMs, has }) => {
        const settled = minuteOf(untilMs - 120_000);
        const wanted = minutesBetween(oldestMs, untilMs).filter((m) => m > settled || !has(m));
        const read = new Map(wanted.map((minute) => [minute, { minute, rows: [] as OutcomeCounterRow[] }]));
        for (const row of await readOutcomeCounters(client, tableName, wanted))
          read.get(row.minute)?.rows.push(row);
        return read;
      },
    });
  }

  /** The counters of the last `hours` (at most maxHours), refreshed first. */
  async window(hours: number): Promise<{ rows: OutcomeCounterRow[]; sinceMs: number; untilMs: number }> {
    const { values, sinceMs, untilMs } = await this.cache.window(hours);
    const rows = values.sort((a, b) => a.minute.localeCompare(b.minute)).flatMap((m) => m.rows);
    return { rows, sinceMs, untilMs };
  }

  refresh(): Promise<number> {
    return this.cache.refresh();
  }
}
