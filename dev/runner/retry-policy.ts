import type { FailureCondition } from "../../lib/kinesis/on-failure-record.js";
import type { BatchOutcome } from "./response.js";

/**
 * Retry, bisect and age bookkeeping for one batch, as we read AWS's documentation for Kinesis event sources:
 *
 * - A function error (thrown / rejected) with BisectBatchOnFunctionError on and more than one record splits
 *   the batch in two; each half runs in order. "Splitting batches doesn't consume the retry quota": the halves
 *   keep the parent's retry count.
 * - Any other failed invocation (a function error on a batch that cannot be split, a complete failure from
 *   the response, a partial failure) is a retry: the records from the checkpoint on run again, one retry used.
 *   A partial failure first commits the records before the lowest reported sequence number.
 * - MaximumRetryAttempts N allows N retries (N + 1 invocations of the same records); -1 retries until the
 *   records expire. Past it the batch is discarded: an on-failure record (RetryAttemptsExhausted) and move on.
 * - MaximumRecordAgeInSeconds: before every invocation, records older than it are discarded (RecordAgeExceeded)
 *   without invoking the function for them; -1 disables the check.
 */
export interface RetrySettings {
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
}

export interface PendingBatch<R> {
  records: R[];
  /** Retries already used by these records. */
  retries: number;
  /** Invocations made with this batch (for approximateInvokeCount). */
  invocations: number;
}

export interface Decision<R> {
  /** Records finished successfully: checkpoint may pass them. */
  done: R[];
  /** Batches to run next, in order, before anything new from the stream. */
  next: PendingBatch<R>[];
  /** Records given up on (the checkpoint passes them too, after the on-failure record is sent). */
  discarded?: { batch: PendingBatch<R>; condition: FailureCondition };
  retried: boolean;
  bisected: boolean;
}

export function newBatch<R>(records: R[]): PendingBatch<R> {
  return { records, retries: 0, invocations: 0 };
}

export function decide<R>(
  batch: PendingBatch<R>,
  outcome: BatchOutcome,
  settings: RetrySettings,
): Decision<R> {
  if (outcome.kind === "success") return { done: batch.records, next: [], retried: false, bisected: false };

  if (
    outcome.kind === "failed" &&
    outcome.cause === "function_error" &&
    settings.bisectBatchOnFunctionError &&
    batch.records.length > 1
  ) {
    const middle = Math.ceil(batch.records.length / 2);
    const half = (records: R[]): PendingBatch<R> => ({ records, retries: batch.retries, invocations: 0 });
    return {
      done: [],
      next: [half(batch.records.slice(0, middle)), half(batch.records.slice(middle))],
      retried: false,
      bisected: true,
    };
  }

  const firstFailed = outcome.kind === "partial" ? outcome.firstFailedIndex : 0;
  const done = batch.records.slice(0, firstFailed);
  const remaining: PendingBatch<R> = {
    records: batch.records.slice(firstFailed),
    retries: batch.retries,
    // A new checkpoint (some records committed) is a new batch as far as invocation counting goes.
    invocations: firstFailed > 0 ? 0 : batch.invocations,
  };
  if (retriesExhausted(batch.retries, settings.maximumRetryAttempts)) {
    return {
      done,
      next: [],
      discarded: { batch: remaining, condition: "RetryAttemptsExhausted" },
      retried: false,
      bisected: false,
    };
  }
  return { done, next: [{ ...remaining, retries: batch.retries + 1 }], retried: true, bisected: false };
}

export function retriesExhausted(retriesUsed: number, maximumRetryAttempts: number): boolean {
  return maximumRetryAttempts !== -1 && retriesUsed >= maximumRetryAttempts;
}

/** Splits records into those past the maximum record age (by arrival time) and those still fresh. */
export function splitExpired<R>(
  records: readonly R[],
  arrivalMsOf: (r: R) => number,
  nowMs: number,
  maximumRecordAgeInSeconds: number,
): { expired: R[]; fresh: R[] } {
  if (maximumRecordAgeInSeconds === -1) return { expired: [], fresh: [...records] };
  const limitMs = maximumRecordAgeInSeconds * 1000;
  const expired: R[] = [];
  const fresh: R[] = [];
  for (const r of records) (nowMs - arrivalMsOf(r) > limitMs ? expired : fresh).push(r);
  return { expired, fresh };
}
