import type { VerifiedMessage, VerifyResult } from "../envelope/types.js";
import { type CommitUnit, type LedgerWrite, newUnitState } from "../ledger/commit-unit.js";
import { messageLedgerKey, recordLedgerKey } from "../ledger/ledger-keys.js";
import type { MessageFacts } from "../ledger/ledger-items.js";
import { rejectionFacts } from "../ledger/unverified-facts.js";
import { doneWrite, recordRejectionWrite, rejectedMarkerWrite } from "../ledger/ledger-writes.js";
import { prefetchMarkers } from "../ledger/prefetch.js";
import { classifyDynamoDbError, isUnreachable } from "../aws/dynamodb-errors.js";
import { admitUnit, type BatchState, failureOf, subjectOf } from "./batch-state.js";
import type { DecodedRecord } from "./decode.js";
import { failureFromError } from "./outcome.js";
import { HELD_BY_PARK, parkMarkerKeys } from "./park.js";
import { isRedelivery } from "./redelivery.js";
import type { PipelineDeps } from "./types.js";

/**
 * Admission: what each record becomes before anything is committed. A redelivery of a finished message is a
 * duplicate; otherwise the record is verified, validated and processed, and leaves a commit unit (its ledger
 * write and effects) or, on a transient failure, stops its partition key.
 */

/**
 * The dedupe prefetch: the markers of every identifiable record, read before any signature is verified.
 * Returns false when the ledger cannot be read: nothing could be committed either, so every record is failed.
 */
export async function prefetchPhase(state: BatchState, deps: PipelineDeps): Promise<boolean> {
  if (!state.settings.prefetch || state.records.length === 0) return true;
  const started = performance.now();
  try {
    // The batch's park markers ride along (≤ 1 extra request per 100 partition keys).
    const pks = [
      ...state.peeked.flatMap((p) => (p ? [messageLedgerKey(p.iss, p.jti)] : [])),
      ...parkMarkerKeys(state),
    ];
    state.markers = await prefetchMarkers(
      deps.dynamodb,
      deps.ledgerTable,
      pks,
      state.settings.commitConcurrency,
      state.callSignal,
    );
    deps.observer?.prefetched?.({
      keys: pks.length,
      found: state.markers.size,
      ms: performance.now() - started,
    });
    return true;
  } catch (error) {
    if (state.deadlineReached()) {
      state.records.forEach(
        (_, i) =>
          (state.outcomes[i] = {
            status: "unfinished",
            reason: "unfinished_deadline",
            detail: "not started: the dedupe prefetch ran into the invocation's deadline",
          }),
      );
      return false;
    }
    // The prefetch only saves verifications (the commit's marker condition still catches every duplicate):
    // a read DynamoDB refuses as such, or is too busy for, is skipped rather than failing the batch.
    if (!isUnreachable(classifyDynamoDbError(error))) return true;
    const failure = failureFromError(error, "ledger_unavailable");
    state.records.forEach((_, i) => (state.outcomes[i] = { ...failure, code: "ledger_unavailable" }));
    return false;
  }
}

export type AdmitStep = (record: DecodedRecord) => Promise<"continue" | "stop">;

/** Admits one record; answers "stop" when its partition key must not go on (order per key). */
export function createAdmission(
  state: BatchState,
  deps: PipelineDeps,
  parked: (partitionKey: string) => boolean = () => false,
): AdmitStep {
  const { outcomes, facts } = state;

  const admitRejection = (record: DecodedRecord, result: Extract<VerifyResult, { ok: false }>) => {
    const i = record.index;
    const { rejection } = result;
    const identity = rejection.identity;
    facts[i] = rejectionFacts(rejection.unverified ?? {}, identity);
    outcomes[i] = {
      status: "rejected",
      reason: rejection.reason,
      detail: rejection.detail,
      ...(rejection.issues ? { issues: rejection.issues } : {}),
      ...(identity ? { identityVerified: true as const } : {}),
    };
    const failure = failureOf(state, record, rejection);
    if (identity) {
      // Signed by its issuer: recorded under its dedupe key like a processor's refusal, conditional on the
      // message not being finished, so a done message stays done and a second copy is a duplicate.
      const pk = messageLedgerKey(identity.iss, identity.jti);
      const write = rejectedMarkerWrite(pk, subjectOf(state, record), failure, state.hashes[i]!);
      admitUnit(state, rejectionUnit(record, write));
      return;
    }
    const pk = recordLedgerKey(record.shardId, record.sequenceNumber, record.subSequenceNumber);
    admitUnit(state, rejectionUnit(record, recordRejectionWrite(pk, subjectOf(state, record), failure)));
  };

  const admitMessage = (record: DecodedRecord, message: VerifiedMessage): "continue" | "stop" => {
    const i = record.index;
    facts[i] = messageFacts(message);
    const pk = messageLedgerKey(message.iss, message.jti);
    const refusedWrite = (detail: string): LedgerWrite =>
      rejectedMarkerWrite(
        pk,
        subjectOf(state, record),
        failureOf(state, record, { reason: "processor", detail }),
        state.hashes[i]!,
      );
    const processor = deps.processors.get(message.type);
    let processed;
    try {
      processed = processor
        ? processor(message)
        : { kind: "refused" as const, detail: `no processor handles type ${message.type}` };
    } catch (error) {
      outcomes[i] = failureFromError(error, "processor_failed");
      return "stop";
    }
    if (processed.kind === "refused") {
      outcomes[i] = { status: "rejected", reason: "processor", detail: processed.detail };
      admitUnit(state, rejectionUnit(record, refusedWrite(processed.detail), refusedWrite));
      return "continue";
    }
    admitUnit(state, {
      ref: i,
      orderKey: record.partitionKey,
      ledger: doneWrite(pk, subjectOf(state, record), state.hashes[i]!),
      effects: processed.effects,
      ...(processed.notification ? { notification: processed.notification } : {}),
      rejectWith: refusedWrite,
      state: newUnitState(),
    });
    return "continue";
  };

  return async (record) => {
    const i = record.index;
    if (state.outOfTime()) {
      outcomes[i] = {
        status: "unfinished",
        reason: "unfinished_deadline",
        detail: "not started: the invocation is about to time out",
      };
      return "stop";
    }
    if (record.aggregateRejection !== undefined) {
      // Nothing inside a corrupt aggregate can be trusted to be a user record: the whole record is refused.
      admitRejection(record, {
        ok: false,
        rejection: { reason: "aggregate", detail: record.aggregateRejection },
      });
      return "continue";
    }
    const peek = state.peeked[i];
    if (peek) {
      const marker = state.markers.get(messageLedgerKey(peek.iss, peek.jti));
      if (isRedelivery(marker, state.hashes[i]!)) {
        facts[i] = { iss: peek.iss, jti: peek.jti };
        outcomes[i] = { status: "duplicate" };
        return "continue";
      }
    }
    if (parked(record.partitionKey)) {
      outcomes[i] = { ...HELD_BY_PARK };
      return "stop";
    }
    let result: VerifyResult;
    const started = performance.now();
    try {
      result = await deps.verify(record.data);
    } catch (error) {
      outcomes[i] = failureFromError(error, "verify_failed");
      return "stop";
    } finally {
      deps.observer?.verified?.(performance.now() - started);
    }
    if (!result.ok) {
      admitRejection(record, result);
      return "continue";
    }
    return admitMessage(record, result.message);
  };
}

/**
 * A record skipped because an earlier record of its key stopped: it inherits that record's unfinished reason,
 * or is unfinished "after failure".
 */
export function skipAfter(state: BatchState, skipped: DecodedRecord, after: DecodedRecord): void {
  const stopper = state.outcomes[after.index];
  state.outcomes[skipped.index] =
    stopper?.status === "unfinished"
      ? { ...stopper }
      : {
          status: "unfinished",
          reason: "unfinished_after_failure",
          detail: `record ${after.sequenceNumber} of the same partition key failed first`,
        };
}

function rejectionUnit(
  record: DecodedRecord,
  ledger: LedgerWrite,
  rejectWith?: (detail: string) => LedgerWrite,
): CommitUnit {
  return {
    ref: record.index,
    orderKey: record.partitionKey,
    ledger,
    effects: [],
    rejectWith: rejectWith ?? (() => ledger),
    state: newUnitState(),
  };
}

export function messageFacts(message: VerifiedMessage): MessageFacts {
  const facts: MessageFacts = {
    iss: message.iss,
    jti: message.jti,
    type: message.type,
    v: message.sentVersion,
  };
  if (message.sub !== undefined) facts.sub = message.sub;
  return facts;
}
