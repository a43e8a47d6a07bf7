import type { KinesisStreamEvent } from "aws-lambda";
import type { UnitResult } from "../ledger/commit.js";
import type { CommitUnit } from "../ledger/commit-unit.js";
import { boundedRaw, type FailureDetail, type MessageFacts } from "../ledger/ledger-items.js";
import type { LedgerSubject } from "../ledger/ledger-writes.js";
import type { MarkerSnapshot } from "../ledger/prefetch.js";
import { batchItemFailures } from "./batch-item-failures.js";
import { type DecodedRecord, decodeRecords } from "./decode.js";
import { isFinished, type RecordOutcome } from "./outcome.js";
import { peekIdentity } from "./peek.js";
import { tokenHash } from "./redelivery.js";
import type { PipelineSettings } from "./settings.js";
import type { BatchResult, ProcessOptions } from "./types.js";

/**
 * What one invocation knows about its batch, shared by the phases (admit, commit waves, record failures):
 * one slot per record, indexed by the record's position in the batch. A phase writes the outcome of a record
 * it decides; a record without an outcome at the end was not attempted.
 */
export interface BatchState {
  readonly records: readonly DecodedRecord[];
  readonly outcomes: (RecordOutcome | undefined)[];
  /** Verified facts, or the unverified claims of a rejected token. */
  readonly facts: MessageFacts[];
  /** Hash of each record's bytes (kept in markers, to recognise a redelivery). */
  readonly hashes: readonly string[];
  /** iss/jti read WITHOUT verification, only to look markers up. */
  readonly peeked: readonly ({ iss: string; jti: string } | undefined)[];
  /** Markers found by the dedupe prefetch, by ledger key. */
  markers: Map<string, MarkerSnapshot>;
  /** Segment of each record (see segmentGroups): its units commit with that segment. */
  readonly segmentOf: Int32Array;
  /** Commit units admitted, per segment. */
  readonly segmentUnits: CommitUnit[][];
  /** What the commit made of each unit. */
  readonly results: Map<CommitUnit, UnitResult>;
  /** True once the invocation is too close to its timeout to start anything new. */
  readonly outOfTime: () => boolean;
  /**
   * The deadline of one DynamoDB call: `callTimeoutMs` from now, or the invocation's own deadline (its
   * timeout less `responseReserveMs`) if sooner. Passed as the call's abortSignal, so a hung dependency ends
   * the call and the batch still answers in time.
   */
  readonly callSignal: () => AbortSignal;
  /** True once the invocation's deadline has passed: whatever is left is `unfinished_deadline`. */
  readonly deadlineReached: () => boolean;
  readonly now: () => number;
  readonly settings: PipelineSettings;
}

export async function openBatch(
  event: KinesisStreamEvent,
  settings: PipelineSettings,
  now: () => number,
  options: ProcessOptions,
): Promise<BatchState> {
  const remainingMs = options.remainingMs;
  const deadline = remainingMs
    ? AbortSignal.timeout(Math.max(0, remainingMs() - settings.responseReserveMs))
    : undefined;
  const records = await decodeRecords(event.Records ?? [], options.subSequenceNumbers);
  return {
    records,
    outcomes: new Array<RecordOutcome | undefined>(records.length),
    facts: records.map((): MessageFacts => ({})),
    hashes: records.map((r) => tokenHash(r.data)),
    peeked: records.map((r) => peekIdentity(r.data)),
    markers: new Map(),
    segmentOf: new Int32Array(records.length),
    segmentUnits: [],
    results: new Map(),
    outOfTime: remainingMs ? () => remainingMs() < settings.deadlineMarginMs : () => false,
    callSignal: () => {
      const call = AbortSignal.timeout(settings.callTimeoutMs);
      return deadline ? AbortSignal.any([call, deadline]) : call;
    },
    deadlineReached: () => deadline?.aborted === true,
    now,
    settings,
  };
}

/** Adds a unit to the commit of its record's segment. */
export function admitUnit(state: BatchState, unit: CommitUnit): void {
  (state.segmentUnits[state.segmentOf[unit.ref]!] ??= []).push(unit);
}

/** Where a record sits, what is known of it and the clock: what every ledger item of it starts from. */
export function subjectOf(state: BatchState, record: DecodedRecord): LedgerSubject {
  return {
    position: {
      shardId: record.shardId,
      sequenceNumber: record.sequenceNumber,
      partitionKey: record.partitionKey,
      ...(record.subSequenceNumber !== undefined ? { subSequenceNumber: record.subSequenceNumber } : {}),
    },
    facts: state.facts[record.index] ?? {},
    times: { now: state.now(), ttlSeconds: state.settings.ledgerTtlSeconds },
  };
}

/** A failure's reason and detail with the record's raw data, bounded to fit a ledger item. */
export function failureOf(
  state: BatchState,
  record: DecodedRecord,
  failure: Pick<FailureDetail, "reason" | "detail" | "issues">,
): FailureDetail {
  return {
    reason: failure.reason,
    detail: failure.detail,
    ...boundedRaw(record.data, record.base64, state.settings.rawMaxChars, state.settings.rawHeadChars),
    ...(failure.issues ? { issues: failure.issues } : {}),
  };
}

/** Every record's report, and the response that makes Lambda redeliver the unfinished ones. */
export function closeBatch(state: BatchState): BatchResult {
  const reports = state.records.map((record, i) => ({
    record,
    outcome: state.outcomes[i] ?? {
      status: "unfinished" as const,
      reason: "unfinished_not_attempted" as const,
      detail: "not attempted",
    },
    facts: state.facts[i] ?? {},
  }));
  const response = batchItemFailures(
    reports.map((r) => ({
      sequenceNumber: r.record.sequenceNumber,
      unfinished: !isFinished(r.outcome),
    })),
  );
  return { response, reports };
}
