import { toAttributeMap } from "./attribute-values.js";
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
