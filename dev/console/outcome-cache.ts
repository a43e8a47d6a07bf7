import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  minuteOf,
  minutesBetween,
  type OutcomeCounterRow,
  readOutcomeCounters,
} from "../../lib/ledger/outcome-counters.js";

/**
 * The ledger's per-minute outcome counters (lib/ledger/outcome-counters.ts) of the last `maxHours`, kept in
 * memory by minute. A batch counts at the minute it ends, so a minute stops changing once it is over (clocks
 * of different Lambdas aside: one more minute of slack); the console re-reads only the last two minutes and
 * any it has not read yet.
 */
export class OutcomeCounterCache {
  private readonly minutes = new Map<string, OutcomeCounterRow[]>();
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly maxHours: number,
    private readonly now: () => number,
  ) {}

  /** The counters of the last `hours` (at most maxHours), refreshed first. */
  async window(hours: number): Promise<{ rows: OutcomeCounterRow[]; sinceMs: number; untilMs: number }> {
    const untilMs = this.now();
    await this.refresh(untilMs);
    const sinceMs = untilMs - Math.min(hours, this.maxHours) * 3_600_000;
    const rows = minutesBetween(sinceMs, untilMs).flatMap((m) => this.minutes.get(m) ?? []);
    return { rows, sinceMs, untilMs };
  }

  /** One refresh at a time; concurrent callers share it. */
  refresh(untilMs = this.now()): Promise<void> {
    this.refreshing ??= this.load(untilMs).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(untilMs: number): Promise<void> {
    const window = minutesBetween(untilMs - this.maxHours * 3_600_000, untilMs);
    const settled = minuteOf(untilMs - 120_000);
    const wanted = window.filter((m) => m > settled || !this.minutes.has(m));
    const rows = await readOutcomeCounters(this.client, this.tableName, wanted);
    for (const m of wanted) this.minutes.set(m, []);
    for (const row of rows) this.minutes.get(row.minute)?.push(row);
    const oldest = window[0]!;
    for (const m of this.minutes.keys()) if (m < oldest) this.minutes.delete(m);
  }
}
