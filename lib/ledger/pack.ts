import { type CommitUnit, unitBytes, unitItemIds } from "./commit-unit.js";

/** TransactWriteItems carries at most 4 MB; stay below it with room for request overhead. */
export const MAX_TRANSACTION_BYTES = 3_500_000;

/** A run of consecutive units of one order key that can go into one transaction. */
export interface Chunk {
  orderKey: string;
  units: CommitUnit[];
  items: number;
  bytes: number;
  isolate: boolean;
}

/**
 * Picks the next wave of work: from each order key, the longest prefix of its queue that fits one transaction
 * and touches no item already taken in this wave (by this key or another). No item appears twice in a wave,
 * so the wave's transactions can run concurrently without conflicting with one another, and a key's later
 * units wait for a later wave, which keeps per-key order. The first key's first unit always fits, so every
 * wave makes progress.
 */
export function selectWave(
  queues: Map<string, CommitUnit[]>,
  maxItems: number,
  maxBytes = MAX_TRANSACTION_BYTES,
): Chunk[] {
  const taken = new Set<string>();
  const chunks: Chunk[] = [];
  for (const [orderKey, queue] of queues) {
    const chunk: Chunk = { orderKey, units: [], items: 0, bytes: 0, isolate: false };
    for (const unit of queue) {
      const ids = unitItemIds(unit);
      const bytes = unitBytes(unit);
      if (chunk.units.length > 0 && (unit.state.isolate || chunk.isolate)) break;
      if (chunk.items + ids.length > maxItems) break;
      if (chunk.units.length > 0 && chunk.bytes + bytes > maxBytes) break;
      if (ids.some((id) => taken.has(id))) break;
      for (const id of ids) taken.add(id);
      chunk.units.push(unit);
      chunk.items += ids.length;
      chunk.bytes += bytes;
      if (unit.state.isolate) chunk.isolate = true;
    }
    if (chunk.units.length > 0) chunks.push(chunk);
  }
  return chunks;
}

/**
 * Packs a wave's chunks into transactions of at most `maxItems` items and about `maxBytes`, first fit, in
 * order. A key's chunk is never split (its units are committed together or not at all); an isolated chunk
 * gets a transaction alone.
 */
export function packChunks(chunks: Chunk[], maxItems: number, maxBytes = MAX_TRANSACTION_BYTES): Chunk[][] {
  const transactions: { chunks: Chunk[]; items: number; bytes: number; isolate: boolean }[] = [];
  for (const chunk of chunks) {
    const open = chunk.isolate
      ? undefined
      : transactions.find(
          (t) => !t.isolate && t.items + chunk.items <= maxItems && t.bytes + chunk.bytes <= maxBytes,
        );
    if (open) {
      open.chunks.push(chunk);
      open.items += chunk.items;
      open.bytes += chunk.bytes;
    } else {
      transactions.push({ chunks: [chunk], items: chunk.items, bytes: chunk.bytes, isolate: chunk.isolate });
    }
  }
  return transactions.map((t) => t.chunks);
}
