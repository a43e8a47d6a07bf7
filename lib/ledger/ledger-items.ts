import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Attributes } from "../effects/effects.js";
import { toAttributeMap } from "./attribute-values.js";

/**
 * What the ledger stores about a message or record. Status:
 * - `done`: applied (its effects committed in the same transaction as this marker);
 * - `rejected`: refused permanently (verification, validation, or a processor's refusal);
 * - `failed`: failed transiently, will be redelivered; a later success overwrites it;
 * - `in_progress`: claimed with a lease before a side effect outside DynamoDB;
 * - `replayed`: only on a `rec#` item (a record rejected before its identity was trusted) that replay later
 *   processed under its message key; it keeps its reason, detail and raw, plus `resolvedAt`/`resolvedBy`
 *   (resolution.ts).
 * Only rejected/failed items carry `failureStatus`/`failedAt`, which makes the `failures` index sparse (a
 * `replayed` item keeps `failedAt` but no longer `failureStatus`, so it leaves the index).
 */
export type LedgerStatus = "done" | "rejected" | "failed" | "in_progress" | "replayed";

export const FAILURES_INDEX = "failures";

/** Where a record sat in the stream. */
export interface RecordPosition {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** A user record's place inside a KPL aggregate. */
  subSequenceNumber?: number;
}

/** What is known of a message; for rejected records, possibly only unverified claims. */
export interface MessageFacts {
  iss?: string;
  jti?: string;
  type?: string;
  v?: number;
  sub?: string;
}

export interface LedgerItemTimes {
  /** ms since epoch */
  now: number;
  ttlSeconds: number;
}

/** Names the ledger's own conditions use; `#_`/`:_` is reserved for the pipeline (see EffectCondition). */
export const STATUS_NAMES = { "#_status": "status" } as const;

/** A message may be written when it has no marker yet, or only a `failed` one from an earlier attempt. */
export const NOT_FINISHED_CONDITION = "attribute_not_exists(pk) OR #_status = :_failed";

function common(position: RecordPosition, facts: MessageFacts, times: LedgerItemTimes): Attributes {
  const out: Attributes = {
    shardId: position.shardId,
    sequenceNumber: position.sequenceNumber,
    partitionKey: position.partitionKey,
    ...(position.subSequenceNumber !== undefined ? { subSequenceNumber: position.subSequenceNumber } : {}),
    updatedAt: new Date(times.now).toISOString(),
    ttl: Math.floor(times.now / 1000) + times.ttlSeconds,
  };
  if (facts.iss !== undefined) out.iss = facts.iss;
  if (facts.jti !== undefined) out.jti = facts.jti;
  if (facts.type !== undefined) out.type = facts.type;
  if (facts.v !== undefined) out.v = facts.v;
  if (facts.sub !== undefined) out.sub = facts.sub;
  return out;
}

/** The marker written with a message's effects. `tokenHash` lets a redelivery be recognised without verifying. */
export function doneMarker(
  pk: string,
  position: RecordPosition,
  facts: MessageFacts,
  tokenHash: string,
  times: LedgerItemTimes,
  extra: Attributes = {},
): Record<string, AttributeValue> {
  return toAttributeMap({
    ...common(position, facts, times),
    ...extra,
    pk,
    status: "done",
    tokenHash,
    processedAt: new Date(times.now).toISOString(),
  });
}

export interface FailureDetail {
  reason: string;
  detail: string;
  /** The record's data, base64 (as Kinesis delivers it), bounded. */
  raw: string;
  rawTruncated: boolean;
  issues?: { path: string; message: string }[];
}

/** Attributes of a rejected or failed item (without pk and attempts). */
export function failureAttributes(
  status: "rejected" | "failed",
  position: RecordPosition,
  facts: MessageFacts,
  failure: FailureDetail,
  times: LedgerItemTimes,
): Attributes {
  const at = new Date(times.now).toISOString();
  const out: Attributes = {
    ...common(position, facts, times),
    status,
    failureStatus: status,
    failedAt: at,
    reason: failure.reason,
    detail: failure.detail,
    raw: failure.raw,
    rawTruncated: failure.rawTruncated,
  };
  if (failure.issues && failure.issues.length > 0) out.issues = failure.issues.slice(0, 50);
  return out;
}

/** Keeps the raw record within a DynamoDB item (400 KB) with room for everything else. */
export function boundedRaw(base64Data: string, maxBytes: number): { raw: string; rawTruncated: boolean } {
  return base64Data.length <= maxBytes
    ? { raw: base64Data, rawTruncated: false }
    : { raw: base64Data.slice(0, maxBytes), rawTruncated: true };
}
