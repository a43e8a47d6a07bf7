const HOUR_MS = 3_600_000;

/** What a load is asked for: everything up to `untilMs` that the cache needs for the window starting `oldestMs`. */
export interface WindowLoadRequest {
  untilMs: number;
  oldestMs: number;
  /** Until when the last successful load read (absent before the first): an incremental load starts near it. */
  coveredUntilMs: number | undefined;
  /** Whether the cache already holds this key. */
  has(key: string): boolean;
}

export interface RefreshingWindowOptions<V> {
  /** The widest window a caller may ask for: entries older than this expire at each refresh. */
  maxHours: number;
  now: () => number;
  /** The moment an entry stands for (the window keeps entries at or after its start). */
  timeOf: (value: V) => number;
  /** Reads what changed; each returned entry replaces the one held under its key. */
  load: (request: WindowLoadRequest) => Promise<Iterable<readonly [string, V]>>;
}

/**
 * The last `maxHours` of something the console reads from DynamoDB, kept in memory by key and refreshed before
 * each read: concurrent callers share one refresh (a page asks for several views at once), and a refresh that
 * fails changes nothing, so the next caller simply tries again on what was there.
 */
export class RefreshingWindowCache<V> {
  private readonly entries = new Map<string, V>();
  private coveredUntil: number | undefined;
  private refreshing: Promise<number> | undefined;

  constructor(private readonly options: RefreshingWindowOptions<V>) {}

  /** The entries of the last `hours` (at most maxHours) up to the end of the refresh it waited for. */
  async window(hours: number): Promise<{ values: V[]; sinceMs: number; untilMs: number }> {
    const untilMs = await this.refresh();
    const sinceMs = untilMs - Math.min(hours, this.options.maxHours) * HOUR_MS;
    const values = [...this.entries.values()].filter((v) => this.options.timeOf(v) >= sinceMs);
    return { values, sinceMs, untilMs };
  }

  /** One refresh at a time; resolves with the moment the cache is complete up to. */
  refresh(): Promise<number> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<number> {
    const untilMs = this.options.now();
    const oldestMs = untilMs - this.options.maxHours * HOUR_MS;
    const read = await this.options.load({
      untilMs,
      oldestMs,
      coveredUntilMs: this.coveredUntil,
      has: (key) => this.entries.has(key),
    });
    // Applied only once the whole read succeeded: a failed one leaves the cache as it was.
    for (const [key, value] of read) this.entries.set(key, value);
    for (const [key, value] of this.entries)
      if (this.options.timeOf(value) < oldestMs) this.entries.delete(key);
    this.coveredUntil = untilMs;
    return untilMs;
  }
}
