import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Attributes, Effect } from "../effects/effects.js";
import { effectItemId } from "../effects/effects.js";
import type { Notification } from "../effects/processor.js";

/**
 * The ledger write of one message or record:
 * - `marker`: a conditional Put at the message key (a `done` marker, or a `rejected` item: a processor's refusal,
 *   or a verification rejection of a token whose iss/jti are signed): it only succeeds when the message is not
 *   finished yet, which is what makes a redelivery a duplicate;
 * - `rejection`: an unconditional Update of a record refused before its identity was trusted (same record,
 *   same item: redelivery only bumps `attempts`).
 */
export type LedgerWrite =
  | { kind: "marker"; pk: string; item: Record<string, AttributeValue> }
  | { kind: "rejection"; pk: string; attributes: Attributes };

/** One message's share of a transaction: its ledger write and its effects, all or nothing. */
export interface CommitUnit {
  /** The caller's reference (index of the record in the batch). */
  ref: number;
  /** Units with the same order key commit in the order given, and stop at the first failure. */
  orderKey: string;
  ledger: LedgerWrite;
  effects: Effect[];
  notification?: Notification;
  /** Builds the ledger write that records this message as rejected by its processor (an effect refused). */
  rejectWith(detail: string): LedgerWrite;
  /** Mutable commit state. */
  state: {
    /** Transient refusals (throttling, conflicts) counted against maxAttempts. */
    attempts: number;
    /** Transactions this unit took part in, whatever their outcome (bounded by maxTransactionsPerUnit). */
    tries: number;
    /** Times DynamoDB refused this unit's writes as such (validation, size): each steps down to a smaller write. */
    refusals: number;
    /** The ledger write is the minimal fallback item (ledger-writes.ts). */
    fallback?: boolean;
    skippedEffects: number;
    isolate: boolean;
    claimOwner?: string;
    notified: boolean;
    rejectedDetail?: string;
  };
}

export function newUnitState(): CommitUnit["state"] {
  return { attempts: 0, tries: 0, refusals: 0, skippedEffects: 0, isolate: false, notified: false };
}

/** Identities of the items a unit writes, to keep any item to one operation per transaction (and per wave). */
export function unitItemIds(unit: CommitUnit): string[] {
  return [`L\u0000${unit.ledger.pk}`, ...unit.effects.map((e) => `P\u0000${effectItemId(e)}`)];
}

/**
 * About how many bytes a unit adds to a transaction request (its items as JSON). Only used to keep requests
 * under DynamoDB's 4 MB: a rejected record can carry a raw copy of up to a few hundred KB.
 */
export function unitBytes(unit: CommitUnit): number {
  const ledger = unit.ledger.kind === "marker" ? unit.ledger.item : unit.ledger.attributes;
  return (
    JSON.stringify(ledger).length + (unit.effects.length ? JSON.stringify(unit.effects).length : 0) + 200
  );
}
