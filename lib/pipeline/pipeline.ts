import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { VerifiedMessage, VerifyResult } from "../envelope/types.js";
import type { ProcessorRegistry } from "../../processors/index.js";
import type { Notifier } from "../../processors/types.js";
import { toAttributeMap } from "../ledger/attribute-values.js";
import { commitUnits, errorMessage, type UnfinishedCause, type UnitResult } from "../ledger/commit.js";
import { type CommitUnit, type LedgerWrite, newUnitState } from "../ledger/commit-unit.js";
import { writeFailedItem } from "../ledger/failures.js";
import { messageLedgerKey, recordLedgerKey } from "../ledger/keys.js";
import {
  boundedRaw,
  doneMarker,
  failureAttributes,
  type MessageFacts,
  type RecordPosition,
} from "../ledger/ledger-items.js";
import { type MarkerSnapshot, prefetchMarkers } from "../ledger/prefetch.js";
import { batchItemFailures } from "./checkpoint.js";
import { mapWithConcurrency } from "./concurrency.js";
import { type DecodedRecord, decodeRecord } from "./decode.js";
import { groupByPartitionKey, segmentGroups } from "./group.js";
import {
  failureFromError,
  isFinished,
  type RecordOutcome,
  type RecordReport,
  type UnfinishedReason,
} from "./outcome.js";
import { peekIdentity } from "./peek.js";
import { isRedelivery, tokenHash } from "./redelivery.js";
import { runByKey } from "./run-by-key.js";

export type VerifyFn = (token: Uint8Array) => Promise<VerifyResult>;

export interface PipelineSettings {
  /** Partition keys verified/processed at once. */
  keyConcurrency: number;
  /** Transactions (and BatchGetItem requests) in flight at once. */
  commitConcurrency: number;
  maxItemsPerTransaction: number;
  /** Tries of a unit whose transaction is throttled or conflicts, within one invocation. */
  maxCommitAttempts: number;
  ledgerTtlSeconds: number;
  claimLeaseMs: number;
  /** Bound on the raw record kept in rejected/failed ledger items (base64 characters). */
  rawMaxChars: number;
  /** Look markers up before verifying (saves the verification of redelivered records). */
  prefetch: boolean;
  /** Records per segment: one segment is verified while the previous one commits. */
  segmentRecords: number;
  /** Stop starting work when the invocation has less than this left (see ProcessOptions.remainingMs). */
  deadlineMarginMs: number;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  keyConcurrency: 64,
  commitConcurrency: 8,
  maxItemsPerTransaction: 100,
  maxCommitAttempts: 4,
  ledgerTtlSeconds: 30 * 86_400,
  claimLeaseMs: 60_000,
  rawMaxChars: 300_000,
  prefetch: true,
  segmentRecords: 2_000,
  deadlineMarginMs: 10_000,
};

export interface PipelineObserver {
  /** Time spent verifying one record (signature, claims, schema). */
  verified?(ms: number): void;
  transaction?(event: {
    items: number;
    units: number;
    ms: number;
    outcome: "committed" | "cancelled" | "error";
  }): void;
  prefetched?(event: { keys: number; found: number; ms: number }): void;
}

export interface PipelineDeps {
  verify: VerifyFn;
  processors: ProcessorRegistry;
  dynamodb: DynamoDBClient;
  ledgerTable: string;
  projectionsTable: string;
  notifier?: Notifier;
  settings?: Partial<PipelineSettings>;
  observer?: PipelineObserver;
  /** ms since epoch. */
  now?: () => number;
}

export interface BatchResult {
  response: KinesisStreamBatchResponse;
  reports: RecordReport[];
}

export interface BatchPipeline {
  /** Never throws for a record-level problem: every record ends in a report, unfinished ones in the response. */
  process(event: KinesisStreamEvent, options?: ProcessOptions): Promise<BatchResult>;
}

export interface ProcessOptions {
  /**
   * The invocation's remaining time (Lambda's context.getRemainingTimeInMillis). When it drops below the
   * settings' margin, no new record or transaction is started: the rest is reported unfinished, so a batch
   * too big for the timeout still moves the checkpoint forward instead of timing out whole, again and again.
   */
  remainingMs?: () => number;
}

/**
 * decode → (dedupe prefetch) → verify + validate → process → commit effects with ledger markers → response.
 * See DESIGN.md §4. The core knows nothing of where keys come from (`verify` is injected) or of Lambda's
 * middleware (the handler wraps it).
 */
export function createBatchPipeline(deps: PipelineDeps): BatchPipeline {
  const settings = { ...DEFAULT_PIPELINE_SETTINGS, ...(deps.settings ?? {}) };
  const now = deps.now ?? Date.now;
  const times = () => ({ now: now(), ttlSeconds: settings.ledgerTtlSeconds });

  return {
    async process(event, options = {}) {
      const remainingMs = options.remainingMs;
      const outOfTime = remainingMs ? () => remainingMs() < settings.deadlineMarginMs : () => false;
      const records = (event.Records ?? []).map(decodeRecord);
      const outcomes = new Array<RecordOutcome | undefined>(records.length);
      const facts = records.map((): MessageFacts => ({}));
      const hashes = records.map((r) => tokenHash(r.data));
      const finish = (): BatchResult => {
        const reports = records.map((record, i) => ({
          record,
          outcome: outcomes[i] ?? {
            status: "unfinished" as const,
            reason: "unfinished_not_attempted" as const,
            detail: "not attempted",
          },
          facts: facts[i] ?? {},
        }));
        const response = batchItemFailures(
          reports.map((r) => ({
            sequenceNumber: r.record.sequenceNumber,
            unfinished: !isFinished(r.outcome),
          })),
        );
        return { response, reports };
      };

      // 1. Dedupe prefetch. If the ledger cannot be read, nothing can be committed either: fail the batch now.
      let markers = new Map<string, MarkerSnapshot>();
      const peeked = records.map((r) => peekIdentity(r.data));
      if (settings.prefetch && records.length > 0) {
        const started = performance.now();
        try {
          const pks = peeked.flatMap((p) => (p ? [messageLedgerKey(p.iss, p.jti)] : []));
          markers = await prefetchMarkers(deps.dynamodb, deps.ledgerTable, pks, settings.commitConcurrency);
          deps.observer?.prefetched?.({
            keys: pks.length,
            found: markers.size,
            ms: performance.now() - started,
          });
        } catch (error) {
          const failure = failureFromError(error, "ledger_unavailable");
          records.forEach((_, i) => (outcomes[i] = { ...failure, code: "ledger_unavailable" }));
          return finish();
        }
      }

      // 2. Verify, validate and process, in order per key; a transient failure stops the key.
      const segmentOf = new Int32Array(records.length);
      const segmentUnits: CommitUnit[][] = [];
      const addUnit = (unit: CommitUnit) => (segmentUnits[segmentOf[unit.ref]!] ??= []).push(unit);
      const position = (r: DecodedRecord): RecordPosition => ({
        shardId: r.shardId,
        sequenceNumber: r.sequenceNumber,
        partitionKey: r.partitionKey,
      });
      const raw = (r: DecodedRecord) => boundedRaw(r.base64, settings.rawMaxChars);

      const step = async (record: DecodedRecord): Promise<"continue" | "stop"> => {
        const i = record.index;
        if (outOfTime()) {
          outcomes[i] = {
            status: "unfinished",
            reason: "unfinished_deadline",
            detail: "not started: the invocation is about to time out",
          };
          return "stop";
        }
        const peek = peeked[i];
        if (peek) {
          const marker = markers.get(messageLedgerKey(peek.iss, peek.jti));
          if (isRedelivery(marker, hashes[i]!)) {
            facts[i] = { iss: peek.iss, jti: peek.jti };
            outcomes[i] = { status: "duplicate" };
            return "continue";
          }
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
          const { rejection } = result;
          const u = rejection.unverified ?? {};
          facts[i] = {
            ...(u.iss ? { iss: u.iss } : {}),
            ...(u.jti ? { jti: u.jti } : {}),
            ...(u.type ? { type: u.type } : {}),
            ...(u.v ? { v: u.v } : {}),
            ...(u.sub ? { sub: u.sub } : {}),
          };
          const identity = rejection.identity;
          outcomes[i] = {
            status: "rejected",
            reason: rejection.reason,
            detail: rejection.detail,
            ...(rejection.issues ? { issues: rejection.issues } : {}),
            ...(identity ? { identityVerified: true as const } : {}),
          };
          const attributes = failureAttributes(
            "rejected",
            position(record),
            facts[i]!,
            {
              reason: rejection.reason,
              detail: rejection.detail,
              ...raw(record),
              ...(rejection.issues ? { issues: rejection.issues } : {}),
            },
            times(),
          );
          if (identity) {
            // Signed by its issuer: recorded under its dedupe key like a processor's refusal, conditional on the
            // message not being finished, so a done message stays done and a second copy is a duplicate.
            const pk = messageLedgerKey(identity.iss, identity.jti);
            const item = toAttributeMap({ ...attributes, pk, tokenHash: hashes[i]!, attempts: 1 });
            addUnit(rejectionUnit(record, { kind: "marker", pk, item }));
            return "continue";
          }
          const pk = recordLedgerKey(record.shardId, record.sequenceNumber);
          addUnit(rejectionUnit(record, { kind: "rejection", pk, attributes }));
          return "continue";
        }
        const message = result.message;
        facts[i] = messageFacts(message);
        const pk = messageLedgerKey(message.iss, message.jti);
        const refusedItem = (detail: string): LedgerWrite => ({
          kind: "marker",
          pk,
          item: toAttributeMap({
            ...failureAttributes(
              "rejected",
              position(record),
              facts[i]!,
              { reason: "processor", detail, ...raw(record) },
              times(),
            ),
            pk,
            tokenHash: hashes[i]!,
            attempts: 1,
          }),
        });
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
          addUnit(rejectionUnit(record, refusedItem(processed.detail), refusedItem));
          return "continue";
        }
        addUnit({
          ref: i,
          orderKey: record.partitionKey,
          ledger: {
            kind: "marker",
            pk,
            item: doneMarker(pk, position(record), facts[i]!, hashes[i]!, times()),
          },
          effects: processed.effects,
          ...(processed.notification ? { notification: processed.notification } : {}),
          rejectWith: refusedItem,
          state: newUnitState(),
        });
        return "continue";
      };

      // 3. Commit, in batch order per key. The batch is cut into segments of whole keys: while one segment's
      // transactions run, the next segment is verified (CPU here, I/O there), at most one segment ahead.
      const segments = segmentGroups(groupByPartitionKey(records), settings.segmentRecords);
      segments.forEach((segment, s) =>
        segment.forEach((group) => group.forEach((r) => (segmentOf[r.index] = s))),
      );
      const owner = randomUUID();
      const results = new Map<CommitUnit, UnitResult>();
      let abandoned = false;
      const commitSegment = async (units: CommitUnit[]) => {
        units.sort((a, b) => a.ref - b.ref);
        if (abandoned) {
          for (const unit of units) results.set(unit, { status: "unfinished", cause: "abandoned" });
          return;
        }
        try {
          const committed = await commitUnits(
            units,
            { client: deps.dynamodb, ledgerTable: deps.ledgerTable, projectionsTable: deps.projectionsTable },
            {
              maxItemsPerTransaction: settings.maxItemsPerTransaction,
              concurrency: settings.commitConcurrency,
              maxAttempts: settings.maxCommitAttempts,
              leaseMs: settings.claimLeaseMs,
              ttlSeconds: settings.ledgerTtlSeconds,
              owner,
              now,
              outOfTime,
              ...(deps.notifier ? { notifier: deps.notifier } : {}),
              ...(deps.observer?.transaction ? { onTransaction: deps.observer.transaction } : {}),
            },
          );
          for (const [unit, result] of committed) {
            results.set(unit, result);
            if (result.status === "failed" && result.code === "ledger_unavailable") abandoned = true;
          }
        } catch (error) {
          // Only a bug gets here (commitUnits reports DynamoDB trouble per unit); still, never throw for a record.
          for (const unit of units)
            results.set(unit, { status: "failed", code: "commit_failed", message: errorMessage(error) });
        }
      };
      const onSkipped = (skipped: DecodedRecord, after: DecodedRecord) => {
        const stopper = outcomes[after.index];
        outcomes[skipped.index] =
          stopper?.status === "unfinished"
            ? { ...stopper }
            : {
                status: "unfinished",
                reason: "unfinished_after_failure",
                detail: `record ${after.sequenceNumber} of the same partition key failed first`,
              };
      };
      const committed: Promise<void>[] = [];
      let chain = Promise.resolve();
      for (const [s, segment] of segments.entries()) {
        if (s >= 2) await committed[s - 2];
        await runByKey(segment, settings.keyConcurrency, step, onSkipped);
        const units = segmentUnits[s] ?? [];
        chain = chain.then(() => commitSegment(units));
        committed.push(chain);
      }
      await chain;
      const units = segmentUnits.flat();
      for (const unit of units) {
        const result = results.get(unit);
        const i = unit.ref;
        if (!result) {
          outcomes[i] = { status: "unfinished", reason: "unfinished_not_attempted", detail: "not committed" };
          continue;
        }
        const prior = outcomes[i];
        switch (result.status) {
          case "committed":
            if (result.rejected)
              outcomes[i] = { status: "rejected", reason: "processor", detail: result.rejected };
            else if (prior?.status !== "rejected")
              outcomes[i] = { status: "processed", skippedEffects: result.skippedEffects };
            break;
          case "duplicate":
            outcomes[i] = { status: "duplicate" };
            break;
          case "failed":
            outcomes[i] = { status: "failed", code: result.code, detail: result.message };
            break;
          case "unfinished":
            outcomes[i] = { status: "unfinished", ...UNFINISHED_COMMIT[result.cause] };
            break;
        }
      }

      // 4. Bookkeeping for transient failures of identified messages (and release of claims we hold). Best effort.
      const claimed = new Map(units.filter((u) => u.state.claimOwner).map((u) => [u.ref, u]));
      const failedIdentified = records.filter(
        (r) =>
          !isFinished(outcomes[r.index]!) &&
          facts[r.index]?.jti &&
          (outcomes[r.index]!.status === "failed" || claimed.has(r.index)),
      );
      if (
        failedIdentified.length > 0 &&
        !failedIdentified.some((r) => (outcomes[r.index] as { code?: string }).code === "ledger_unavailable")
      ) {
        await mapWithConcurrency(failedIdentified, settings.commitConcurrency, async (record) => {
          const i = record.index;
          const outcome = outcomes[i]!;
          const f = facts[i]!;
          const reason = outcome.status === "failed" ? outcome.code : "unfinished";
          const unit = claimed.get(i);
          try {
            await writeFailedItem(
              deps.dynamodb,
              deps.ledgerTable,
              messageLedgerKey(f.iss!, f.jti!),
              {
                ...failureAttributes(
                  "failed",
                  position(record),
                  f,
                  { reason, detail: "detail" in outcome ? outcome.detail : "", ...raw(record) },
                  times(),
                ),
                ...(unit?.state.notified ? { notified: true } : {}),
              },
              unit?.state.claimOwner,
            );
          } catch {
            // The record is reported in batchItemFailures anyway; the ledger item is only for inspection.
          }
        });
      }
      return finish();
    },
  };

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
}

const UNFINISHED_COMMIT: Record<UnfinishedCause, { reason: UnfinishedReason; detail: string }> = {
  blocked: {
    reason: "unfinished_after_failure",
    detail: "an earlier record of the same partition key failed to commit",
  },
  deadline: { reason: "unfinished_deadline", detail: "not committed: the invocation is about to time out" },
  abandoned: {
    reason: "unfinished_ledger_unavailable",
    detail: "not committed: the ledger was unreachable, the rest of the batch was abandoned",
  },
};

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
