import { randomUUID } from "node:crypto";
import { commitUnits, errorMessage, type UnfinishedCause } from "../ledger/commit.js";
import type { CommitUnit } from "../ledger/commit-unit.js";
import type { BatchState } from "./batch-state.js";
import type { UnfinishedReason } from "./outcome.js";
import type { PipelineDeps } from "./types.js";

/**
 * Commits the admitted units of one segment after another (commitUnits runs them in waves of transactions,
 * in batch order per key). Once DynamoDB proves unreachable, later segments are abandoned, not tried.
 */
export function createCommitter(
  state: BatchState,
  deps: PipelineDeps,
): (units: CommitUnit[]) => Promise<void> {
  const { settings, results } = state;
  const owner = randomUUID();
  let abandoned = false;
  return async (units) => {
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
          now: state.now,
          outOfTime: state.outOfTime,
          callSignal: state.callSignal,
          deadlineReached: state.deadlineReached,
          maxTransactionsPerUnit: settings.maxTransactionsPerUnit,
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
}

/** Turns what the commit made of each unit into its record's outcome. */
export function settleCommitted(state: BatchState): void {
  const { outcomes, results } = state;
  for (const unit of state.segmentUnits.flat()) {
    const result = results.get(unit);
    const i = unit.ref;
    if (!result) {
      outcomes[i] = { status: "unfinished", reason: "unfinished_not_attempted", detail: "not committed" };
      continue;
    }
    const prior = outcomes[i];
    switch (result.status) {
      case "committed":
        // A rejection stays the rejection it was (its reason), even when only its minimal item could be kept.
        if (result.rejected && prior?.status !== "rejected")
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
      case "unrecorded":
        if (prior?.status !== "rejected")
          outcomes[i] = { status: "rejected", reason: "processor", detail: result.message };
        break;
      case "unfinished":
        outcomes[i] = { status: "unfinished", ...UNFINISHED_COMMIT[result.cause] };
        break;
    }
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
