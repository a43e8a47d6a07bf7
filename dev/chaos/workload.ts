import type { PlannedMessage } from "./producers.js";
import type { ChaosProfile } from "./profiles.js";
import type { PublishedKey } from "./reconcile.js";
import type { Rng } from "./rng.js";

/** Each producer's messages, keys drawn at random (seeded) from its own keys, numbered per key from 1. */
export function planWorkload(
  profile: ChaosProfile,
  rng: Rng,
): { ts: PlannedMessage[]; gem: PlannedMessage[] } {
  const plan = (producer: "ts" | "gem", messages: number, keys: number) => {
    const next = new Map<string, number>();
    return Array.from({ length: messages }, () => {
      const key = `${producer}-${String(rng.int(1, keys)).padStart(4, "0")}`;
      const seq = (next.get(key) ?? 0) + 1;
      next.set(key, seq);
      return { key, seq, producer };
    });
  };
  return {
    ts: plan("ts", profile.tsMessages, profile.tsKeys),
    gem: plan("gem", profile.gemMessages, profile.gemKeys),
  };
}

/** The keys a plan published and how many messages each. */
export function publishedKeys(messages: PlannedMessage[]): PublishedKey[] {
  const byKey = new Map<string, PublishedKey>();
  for (const m of messages) {
    const k = byKey.get(m.key) ?? { key: m.key, producer: m.producer, count: 0 };
    k.count = Math.max(k.count, m.seq);
    byKey.set(m.key, k);
  }
  return [...byKey.values()];
}
