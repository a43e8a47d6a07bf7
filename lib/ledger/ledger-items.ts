import { createHash } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Attributes } from "../effects/effects.js";
import { activityBucket } from "./activity.js";
import { toAttributeMap } from "./attribute-values.js";
import { boundedText } from "./bounded-text.js";

const MAX_DETAIL_CHARS = 1_000;
const MAX_ISSUES = 20;

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

/**
 * What is known of a message. Verified facts keep their types; what a rejection read from claims it refused is
 * bounded text (unverified-facts.ts), `v` included, and `claimsVerified: false` when not even iss/jti are signed.
 */
export interface MessageFacts {
  iss?: string;
  jti?: string;
  type?: string;
  v?: number | string;
  sub?: string;
  claimsVerified?: false;
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
  if (facts.claimsVerified === false) out.claimsVerified = false;
  return out;
}

/**
 * The marker written with a message's effects. `tokenHash` lets a redelivery be recognised without verifying.
 * No `activityBucket`: a processed message costs no `activity` index write (the console counts processed
 * messages from the per-minute counters, outcome-counters.ts); and written over a `failed` item, the marker
 * takes that item out of the index.
 */
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
  /** The record's data, base64 (as Kinesis delivers it), whole or its first part (see boundedRaw). */
  raw: string;
  rawTruncated: boolean;
  /** Size of the whole record (bytes) and its SHA-256 (hex), whether or not `raw` holds all of it. */
  rawBytes: number;
  rawSha256: string;
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
    // Lists the item in the `activity` index (activity.ts): the console's recent failures.
    activityBucket: activityBucket(times.now, `${position.shardId}:${position.sequenceNumber}`),
    status,
    failureStatus: status,
    failedAt: at,
    reason: failure.reason,
    detail: boundedText(failure.detail, MAX_DETAIL_CHARS),
    raw: failure.raw,
    rawTruncated: failure.rawTruncated,
    rawBytes: failure.rawBytes,
    rawSha256: failure.rawSha256,
  };
  if (failure.issues && failure.issues.length > 0)
    out.issues = failure.issues
      .slice(0, MAX_ISSUES)
      .map((i) => ({ path: boundedText(i.path), message: boundedText(i.message) }));
  return out;
}

/**
 * The raw record as a ledger item keeps it: whole up to `maxChars` base64 characters (every honest contract
 * token fits many times over), else only its first `headChars` characters, with its size and hash in any case.
 * Anyone can put a 1 MB record on the stream: keeping all of it would turn each junk record into a ~300 KB item
 * kept for the ledger's TTL and copied into the failures index. A record cut here is replayed by re-reading it
 * from the stream at its position (`kjp replay --from ledger --stream`), and the hash proves it is the same one.
 */
export function boundedRaw(
  data: Buffer,
  base64Data: string,
  maxChars: number,
  headChars: number,
): Pick<FailureDetail, "raw" | "rawTruncated" | "rawBytes" | "rawSha256"> {
  const whole = base64Data.length <= maxChars;
  return {
    raw: whole ? base64Data : base64Data.slice(0, headChars),
    rawTruncated: !whole,
    rawBytes: data.length,
    rawSha256: createHash("sha256").update(data).digest("hex"),
  };
}
