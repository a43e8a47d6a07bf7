import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Attributes } from "../effects/effects.js";
import { toAttributeMap } from "./attribute-values.js";
import { boundedText } from "./bounded-text.js";
import type { LedgerWrite } from "./commit-unit.js";
import {
  doneMarker,
  failureAttributes,
  type FailureDetail,
  type LedgerItemTimes,
  type MessageFacts,
  type RecordPosition,
} from "./ledger-items.js";

/**
 * The ledger writes a commit unit carries, built here so that the shape of a ledger item (and its DynamoDB
 * attribute map) is decided in lib/ledger alone; the pipeline only says what happened to a record.
 */
export interface LedgerSubject {
  position: RecordPosition;
  facts: MessageFacts;
  times: LedgerItemTimes;
}

/** A message applied: its `done` marker at its dedupe key, written with its effects. */
export function doneWrite(pk: string, subject: LedgerSubject, tokenHash: string): LedgerWrite {
  return {
    kind: "marker",
    pk,
    item: doneMarker(pk, subject.position, subject.facts, tokenHash, subject.times),
  };
}

/**
 * A message refused for good under its dedupe key (a processor's refusal, or a verification rejection of a
 * token whose iss/jti are signed): conditional like a done marker, so a finished message stays finished.
 */
export function rejectedMarkerWrite(
  pk: string,
  subject: LedgerSubject,
  failure: FailureDetail,
  tokenHash: string,
): LedgerWrite {
  const attributes = failureAttributes("rejected", subject.position, subject.facts, failure, subject.times);
  return { kind: "marker", pk, item: toAttributeMap({ ...attributes, pk, tokenHash, attempts: 1 }) };
}

/** A record refused before its identity could be trusted, kept under its stream position. */
export function recordRejectionWrite(
  pk: string,
  subject: LedgerSubject,
  failure: FailureDetail,
): LedgerWrite {
  return {
    kind: "rejection",
    pk,
    attributes: failureAttributes("rejected", subject.position, subject.facts, failure, subject.times),
  };
}

/** What a minimal item keeps: where the record was, why it was refused, and how to recognise it again. */
const MINIMAL_ATTRIBUTES = [
  "status",
  "failureStatus",
  "failedAt",
  "reason",
  "shardId",
  "sequenceNumber",
  "partitionKey",
  "updatedAt",
  "ttl",
  "tokenHash",
  "rawBytes",
  "rawSha256",
  "claimsVerified",
] as const;

/**
 * The last ledger write of a record whose full item DynamoDB refused as such (too large, a value it cannot
 * store): the same key and kind, as a `rejected` item of only bounded, well-typed attributes, no raw copy, and
 * `fallback: true`. A refusal caused by one item is that item's permanent problem; this makes it a recorded
 * rejection rather than a failure redelivered for ever.
 */
export function minimalLedgerWrite(write: LedgerWrite, detail: string, now: number): LedgerWrite {
  const note = {
    status: "rejected",
    failureStatus: "rejected",
    detail: boundedText(`DynamoDB refused the full ledger item: ${detail}`, 1_000),
    raw: "",
    rawTruncated: true,
    fallback: true,
  };
  if (write.kind === "marker") {
    const item: Record<string, AttributeValue> = { pk: { S: write.pk } };
    for (const name of MINIMAL_ATTRIBUTES) {
      const value = write.item[name];
      if (value && (value.S !== undefined || value.BOOL !== undefined || value.N !== undefined))
        item[name] = value;
    }
    if (!item.failedAt) item.failedAt = { S: new Date(now).toISOString() };
    if (!item.reason) item.reason = { S: "processor" };
    return { kind: "marker", pk: write.pk, item: { ...item, ...toAttributeMap(note), attempts: { N: "1" } } };
  }
  const attributes: Attributes = {};
  for (const name of MINIMAL_ATTRIBUTES) {
    const value = write.attributes[name];
    if (value !== undefined && value !== null && typeof value !== "object") attributes[name] = value;
  }
  return { kind: "rejection", pk: write.pk, attributes: { ...attributes, ...note } };
}
