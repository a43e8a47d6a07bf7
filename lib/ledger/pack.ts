import type { Effect } from "../effects/effects.js";
import { effectItemId } from "../effects/effects.js";
import { canJoinChunk } from "./coalesce.js";
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
 * and touches no item already taken in this wave by another key. Items the key's own earlier units touch are
 * allowed when the effects coalesce (lib/ledger/coalesce.ts) into one write, so a hot key's messages that all
 * update one totals item share a transaction. No item is written twice in a wave, so the wave's transactions
 * can run concurrently without conflicting with one another, and a key's later units wait for a later wave,
 * which keeps per-key order. The first key's first unit always fits, so every wave makes progress.
 * `items` counts distinct items.
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
    const chunkEffects = new Map<string, Effect[]>();
    for (const unit of queue) {
      const [ledgerId, ...effectIds] = unitItemIds(unit);
      const bytes = unitBytes(unit);
      if (chunk.units.length > 0 && (unit.state.isolate || chunk.isolate)) break;
      const added = 1 + unit.effects.filter((e) => !chunkEffects.has(effectItemId(e))).length;
      if (chunk.items + added > maxItems) break;
      if (chunk.units.length > 0 && chunk.bytes + bytes > maxBytes) break;
      // An isolated unit is retried exactly as it is, never coalesced with anything.
      if (
        unit.state.isolate
          ? [ledgerId!, ...effectIds].some((id) => taken.has(id))
          : !canJoinChunk(unit, ledgerId!, chunkEffects, taken)
      )
        break;
      taken.add(ledgerId!);
      for (const id of effectIds) taken.add(id);
      for (const effect of unit.effects) {
        const id = effectItemId(effect);
        const prior = chunkEffects.get(id);
        if (prior) prior.push(effect);
        else chunkEffects.set(id, [effect]);
      }
      chunk.units.push(unit);
      chunk.items += added;
      chunk.bytes += bytes;
      if (unit.state.isolate) chunk.isolate = true;
    }
    if (chunk.units.length > 0) chunks.push(chunk);
  }
  return chunks;
}

/**
 * The items a chunk's transaction writes once its effects are coalesced (planTransaction): one ledger item per
 * unit, and each effect item once, however many of the chunk's units write it. Counted the way selectWave
 * counts (a unit writing one item twice counts it twice: DynamoDB refuses that message anyway). Counting every
 * effect instead would fill a hot key's transactions only as far as its coalesced items allow (about two
 * thirds in the benchmark's mix), costing a third more transactions for the same writes.
 */
export function chunkItemCount(units: readonly CommitUnit[]): number {
  const seen = new Set<string>();
  let items = 0;
  for (const unit of units) {
    const ids = unit.effects.map(effectItemId);
    items += 1 + ids.filter((id) => !seen.has(id)).length;
    for (const id of ids) seen.add(id);
  }
  return items;
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
