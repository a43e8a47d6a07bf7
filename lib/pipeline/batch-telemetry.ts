import type { PipelineObserver } from "./types.js";

/** Sums a batch's timings so metrics get a few numbers per invocation, not one per record. */
export interface BatchTelemetry {
  observer: PipelineObserver;
  summary(): {
    verifyCount: number;
    verifyMsAvg: number;
    transactions: number;
    transactionItems: number;
    commitMsAvg: number;
    commitMsMax: number;
    cancelled: number;
    /** UpdateItems the outcome counters took; `counterError` when they were not written. */
    counterWrites: number;
    counterError?: string;
  };
}

export function createBatchTelemetry(): BatchTelemetry {
  let verifyCount = 0;
  let verifyMs = 0;
  let transactions = 0;
  let transactionItems = 0;
  let commitMs = 0;
  let commitMsMax = 0;
  let cancelled = 0;
  let counterWrites = 0;
  let counterError: string | undefined;
  return {
    observer: {
      verified(ms) {
        verifyCount++;
        verifyMs += ms;
      },
      transaction(e) {
        transactions++;
        transactionItems += e.items;
        commitMs += e.ms;
        commitMsMax = Math.max(commitMsMax, e.ms);
        if (e.outcome !== "committed") cancelled++;
      },
      outcomeCounters(e) {
        counterWrites += e.writes;
        if (e.error) counterError = e.error;
      },
    },
    summary: () => ({
      verifyCount,
      verifyMsAvg: verifyCount ? verifyMs / verifyCount : 0,
      transactions,
      transactionItems,
      commitMsAvg: transactions ? commitMs / transactions : 0,
      commitMsMax,
      cancelled,
      counterWrites,
      ...(counterError ? { counterError } : {}),
    }),
  };
}
