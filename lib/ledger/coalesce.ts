import type { CancellationReason, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { Effect, PutEffect, UpdateEffect } from "../effects/effects.js";
import { effectItemId } from "../effects/effects.js";
import { classifyCancellation, type ItemRole, type UnitVerdict } from "./cancellation.js";
import type { CommitUnit } from "./commit-unit.js";
import { effectTransactItem } from "./transact-items.js";

/**
 * Coalescing: several effects of one order key on one item, in one commit wave, written as one operation that
 * leaves the item exactly as applying them one by one would. Without it a hot key (every deal updates the
 * account's totals item) needs one transaction per message, since a transaction may touch an item only once.
 *
 * Only shapes whose one-by-one result is known without reading the item are merged; anything else returns
 * undefined and the wave is cut there, as before:
 * - unconditional updates without REMOVE: SET keeps the last value, SET-if-absent the first, integer ADDs are
 *   summed, APPENDs are concatenated in order; an attribute used in two of those roles is not merged (its order would matter);
 * - puts whose condition is `attribute_not_exists(pk)`, skip on failure: only the first can ever apply;
 * - puts whose condition is `attribute_not_exists(pk) OR A < :v` (skip on failure) and that store A = v: the
 *   versions climb, so the first put of the highest version is the one that ends up stored, exactly when the
 *   stored A (if any) is below it.
 * A merged write whose condition fails or conflicts is never judged as a whole: its messages are retried one
 * at a time (isolated), where each one's own condition decides, as without coalescing.
 */
export function coalesceEffects(effects: readonly Effect[]): Effect | undefined {
  if (effects.length === 0) return undefined;
  if (effects.length === 1) return effects[0];
  if (effects.every((e) => e.op === "update")) return mergeUpdates(effects as UpdateEffect[]);
  if (effects.every((e) => e.op === "put")) return mergePuts(effects as PutEffect[]);
  return undefined;
}

function mergeUpdates(updates: UpdateEffect[]): UpdateEffect | undefined {
  const set: Record<string, NonNullable<UpdateEffect["set"]>[string]> = {};
  const setIfAbsent: typeof set = {};
  const add: Record<string, number> = {};
  const append: Record<string, NonNullable<UpdateEffect["set"]>[string][]> = {};
  const role = new Map<string, "set" | "setIfAbsent" | "add" | "append">();
  const claim = (attr: string, r: "set" | "setIfAbsent" | "add" | "append") => {
    const held = role.get(attr);
    role.set(attr, r);
    return held === undefined || held === r;
  };
  for (const u of updates) {
    if (u.condition || (u.remove && u.remove.length > 0)) return undefined;
    for (const [attr, v] of Object.entries(u.set ?? {})) {
      if (!claim(attr, "set")) return undefined;
      set[attr] = v;
    }
    for (const [attr, v] of Object.entries(u.setIfAbsent ?? {})) {
      if (!claim(attr, "setIfAbsent")) return undefined;
      if (!Object.hasOwn(setIfAbsent, attr)) setIfAbsent[attr] = v;
    }
    for (const [attr, n] of Object.entries(u.add ?? {})) {
      if (!claim(attr, "add")) return undefined;
      // DynamoDB adds in decimal; summing here must not round, so only safe integers are summed.
      const sum = (add[attr] ?? 0) + n;
      if (!Number.isSafeInteger(n) || !Number.isSafeInteger(sum)) return undefined;
      add[attr] = sum;
    }
    for (const [attr, items] of Object.entries(u.append ?? {})) {
      if (!claim(attr, "append")) return undefined;
      append[attr] = [...(append[attr] ?? []), ...items];
    }
  }
  const merged: UpdateEffect = { op: "update", key: updates[0]!.key };
  if (Object.keys(set).length) merged.set = set;
  if (Object.keys(setIfAbsent).length) merged.setIfAbsent = setIfAbsent;
  if (Object.keys(add).length) merged.add = add;
  if (Object.keys(append).length) merged.append = append;
  return merged;
}

const ABSENT = /^\s*attribute_not_exists\s*\(\s*pk\s*\)\s*$/;
const NEWER =
  /^\s*attribute_not_exists\s*\(\s*pk\s*\)\s+OR\s+(#?[A-Za-z_][A-Za-z0-9_]*)\s*<\s*(:[A-Za-z0-9_]+)\s*$/;

type PutShape = { kind: "first" } | { kind: "newer"; attribute: string; version: number };

function putShape(put: PutEffect): PutShape | undefined {
  const c = put.condition;
  if (!c || c.onFailed !== "skip") return undefined;
  if (ABSENT.test(c.expression)) return { kind: "first" };
  const m = NEWER.exec(c.expression);
  if (!m) return undefined;
  const attribute = m[1]!.startsWith("#") ? c.names?.[m[1]!] : m[1]!;
  const version = c.values?.[m[2]!];
  if (attribute === undefined || typeof version !== "number" || !Number.isFinite(version)) return undefined;
  // The stored item must carry the version its condition compares, or the next put would compare another value.
  if (put.attributes[attribute] !== version) return undefined;
  return { kind: "newer", attribute, version };
}

function mergePuts(puts: PutEffect[]): PutEffect | undefined {
  const shapes = puts.map(putShape);
  const first = shapes[0];
  if (!first) return undefined;
  if (first.kind === "first") return shapes.every((s) => s?.kind === "first") ? puts[0] : undefined;
  let best = 0;
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i];
    if (s?.kind !== "newer" || s.attribute !== first.attribute) return undefined;
    // Strictly greater: of equal versions only the first applies, the later ones fail their condition.
    if (s.version > (shapes[best] as { version: number }).version) best = i;
  }
  return puts[best];
}

/**
 * Whether `unit` can join a chunk whose effects so far are `chunkEffects` (by item id): every effect of the unit
 * either touches an item new to the wave, or coalesces with the chunk's effects on it. `takenElsewhere` are
 * the items of other keys' chunks in this wave; the unit's ledger item must be new to the wave.
 */
export function canJoinChunk(
  unit: CommitUnit,
  ledgerId: string,
  chunkEffects: ReadonlyMap<string, readonly Effect[]>,
  taken: ReadonlySet<string>,
): boolean {
  if (taken.has(ledgerId)) return false;
  const own = new Set<string>();
  for (const effect of unit.effects) {
    const id = effectItemId(effect);
    // Two writes of one item in one message: let DynamoDB refuse the message, as without coalescing.
    if (own.has(id)) continue;
    own.add(id);
    const prior = chunkEffects.get(id);
    if (prior) {
      if (coalesceEffects([...prior, effect]) === undefined) return false;
    } else if (taken.has(`P\u0000${id}`)) return false;
  }
  return true;
}

/** The items of one transaction, which units each belongs to, and how to read its cancellation. */
export interface TransactionPlan {
  items: TransactWriteItem[];
  roles: ItemRole[];
  /**
   * Reads a cancellation (classifyCancellation) with coalesced writes judged as a group: a failed condition of
   * a coalesced put means every put of the group would have failed one by one (the stored item is at least as
   * new as the newest, or exists), so each is skipped; any other trouble isolates the group's messages.
   */
  classify(reasons: CancellationReason[]): Map<CommitUnit, UnitVerdict>;
  /** Once committed: counts the puts that a coalesced write certainly skipped as skipped effects. */
  settle(): void;
}

/**
 * Which puts of a coalesced group one-by-one writing would certainly have skipped: every create-only put but
 * the first; a newer-wins put whose version an earlier put of the group already reached (that one either
 * applied, or was skipped because the stored version is at least as high). A put newer than all before it
 * applied one by one unless the stored item was newer still; the merged write cannot tell, and it is counted
 * as applied (the table is the same either way).
 */
function certainlySkipped(effects: readonly Effect[]): boolean[] {
  const shapes = effects.map((e) => (e.op === "put" ? putShape(e) : undefined));
  let highest = -Infinity;
  return shapes.map((shape, i) => {
    if (shape?.kind === "first") return i > 0;
    if (shape?.kind !== "newer") return false;
    const skipped = shape.version <= highest;
    highest = Math.max(highest, shape.version);
    return skipped;
  });
}

export function planTransaction(
  units: Iterable<CommitUnit>,
  ledgerItem: (unit: CommitUnit) => TransactWriteItem,
  projectionsTable: string,
): TransactionPlan {
  const items: TransactWriteItem[] = [];
  const roles: ItemRole[] = [];
  const groups = new Map<
    string,
    { slot: number; effects: Effect[]; units: CommitUnit[]; indices: number[] }
  >();
  for (const unit of units) {
    items.push(ledgerItem(unit));
    roles.push({ unit, role: "ledger" });
    unit.effects.forEach((effect, effectIndex) => {
      const id = effectItemId(effect);
      const group = groups.get(id);
      if (group) {
        group.effects.push(effect);
        group.units.push(unit);
        group.indices.push(effectIndex);
        return;
      }
      groups.set(id, { slot: items.length, effects: [effect], units: [unit], indices: [effectIndex] });
      items.push(effectTransactItem(effect, projectionsTable));
      roles.push({ unit, role: "effect", effectIndex });
    });
  }
  const coalesced = new Map<number, { units: CommitUnit[]; indices: number[]; puts: boolean }>();
  const skips: CommitUnit[] = [];
  for (const group of groups.values()) {
    if (group.effects.length === 1) continue;
    certainlySkipped(group.effects).forEach((skipped, i) => skipped && skips.push(group.units[i]!));
    // Selection only groups effects that coalesce; a message writing one item twice is refused by DynamoDB.
    const merged =
      new Set(group.units).size === group.units.length ? coalesceEffects(group.effects) : undefined;
    if (merged) items[group.slot] = effectTransactItem(merged, projectionsTable);
    else for (const e of group.effects.slice(1)) items.push(effectTransactItem(e, projectionsTable));
    coalesced.set(group.slot, {
      units: group.units,
      indices: group.indices,
      puts: merged?.op === "put",
    });
  }
  return {
    items,
    roles: items.length === roles.length ? roles : padRoles(roles, items.length),
    classify(reasons) {
      const skips = new Map<CommitUnit, number[]>();
      const masked = reasons.map((reason, i) => {
        const group = coalesced.get(i);
        const code = reason?.Code ?? "None";
        if (!group || code === "None") return reason;
        if (code === "ConditionalCheckFailed" && group.puts) {
          group.units.forEach((u, j) => skips.set(u, [...(skips.get(u) ?? []), group.indices[j]!]));
        } else {
          for (const u of group.units) u.state.isolate = true;
        }
        return { Code: "None" };
      });
      const verdicts = classifyCancellation(roles, masked);
      for (const [unit, skip] of skips) {
        const verdict = verdicts.get(unit);
        if (verdict?.kind === "effectConditions") verdict.skip.push(...skip);
        else if (!verdict || verdict.kind === "innocent" || verdict.kind === "retry") {
          verdicts.set(unit, { kind: "effectConditions", skip, reject: [] });
        }
      }
      return verdicts;
    },
    settle() {
      for (const unit of skips) unit.state.skippedEffects++;
    },
  };
}

/** Extra items (a group that no longer coalesces) are charged to the unit of their group's first item. */
function padRoles(roles: ItemRole[], length: number): ItemRole[] {
  const out = [...roles];
  while (out.length < length) out.push(roles[roles.length - 1]!);
  return out;
}
