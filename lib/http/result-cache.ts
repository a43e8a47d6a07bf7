/**
 * A bounded map whose entries expire: the authorizer's memory of tokens it has verified. Oldest entries go
 * first when it is full (insertion order; a hit is not refreshed, so one hot token cannot pin the cache).
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, untilMs: number): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: untilMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
