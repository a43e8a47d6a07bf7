import { writeFailedItem } from "../ledger/failures.js";
import { messageLedgerKey } from "../ledger/ledger-keys.js";
import { mapWithConcurrency } from "../util/concurrency.js";
import { type BatchState, failureOf, subjectOf } from "./batch-state.js";
import { isFinished } from "./outcome.js";
import type { PipelineDeps } from "./types.js";

/**
 * Bookkeeping for transient failures of identified messages, and release of the claims this invocation holds.
 * Best effort: the records are reported in batchItemFailures anyway; the ledger item is only for inspection.
 * Skipped when the ledger is unreachable (the write could not land either).
 */
export async function recordFailures(state: BatchState, deps: PipelineDeps): Promise<void> {
  const { outcomes, facts } = state;
  const claimed = new Map(
    state.segmentUnits
      .flat()
      .filter((u) => u.state.claimOwner)
      .map((u) => [u.ref, u]),
  );
  const failedIdentified = state.records.filter(
    (r) =>
      !isFinished(outcomes[r.index]!) &&
      facts[r.index]?.jti &&
      (outcomes[r.index]!.status === "failed" || claimed.has(r.index)),
  );
  if (
    failedIdentified.length === 0 ||
    state.deadlineReached() ||
    failedIdentified.some((r) => (outcomes[r.index] as { code?: string }).code === "ledger_unavailable")
  )
    return;
  await mapWithConcurrency(failedIdentified, state.settings.commitConcurrency, async (record) => {
    const outcome = outcomes[record.index]!;
    const f = facts[record.index]!;
    const unit = claimed.get(record.index);
    try {
      await writeFailedItem(
        deps.dynamodb,
        deps.ledgerTable,
        messageLedgerKey(f.iss!, f.jti!),
        subjectOf(state, record),
        failureOf(state, record, {
          reason: outcome.status === "failed" ? outcome.code : "unfinished",
          detail: "detail" in outcome ? outcome.detail : "",
        }),
        { owner: unit?.state.claimOwner, notified: unit?.state.notified === true },
        state.callSignal(),
      );
    } catch {
      // The record is reported in batchItemFailures anyway; the ledger item is only for inspection.
    }
  });
}
