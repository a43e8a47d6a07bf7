import { createAdmission, prefetchPhase, skipAfter } from "./admit.js";
import { closeBatch, openBatch } from "./batch-state.js";
import { createCommitter, settleCommitted } from "./commit-waves.js";
import { countOutcomes } from "./count-outcomes.js";
import { groupByPartitionKey, segmentGroups } from "./group.js";
import { parkCheckPhase, parkHolds, parkPhase } from "./park.js";
import { recordFailures } from "./record-failures.js";
import { runByKey } from "./run-by-key.js";
import { DEFAULT_PIPELINE_SETTINGS } from "./settings.js";
import type { BatchPipeline, PipelineDeps } from "./types.js";

/**
 * decode → (dedupe prefetch + park check) → admit (verify + validate + process) → commit effects with ledger
 * markers → park (park.ts) → record failures → count outcomes per minute → response. The phases share one BatchState (batch-state.ts); see docs/architecture.md
 * §3, "The consumer's batch". The core knows nothing of where keys come from (`verify` is injected) or of
 * Lambda's middleware (the handler wraps it).
 */
export function createBatchPipeline(deps: PipelineDeps): BatchPipeline {
  const settings = { ...DEFAULT_PIPELINE_SETTINGS, ...(deps.settings ?? {}) };
  const now = deps.now ?? Date.now;

  return {
    async process(event, options = {}) {
      const state = await openBatch(event, settings, now, options);
      // If the ledger cannot be read, nothing can be committed either: fail the batch now.
      if (!(await prefetchPhase(state, deps))) return closeBatch(state);
      const parking = options.parking ?? "live";
      if (!(await parkCheckPhase(state, deps, parking))) return closeBatch(state);

      // Admit (verify, validate, process) in order per key, and commit in batch order per key. The batch is
      // cut into segments of whole keys: while one segment's transactions run, the next segment is admitted
      // (CPU here, I/O there), at most one segment ahead.
      // The first segment is an eighth of the others: the commits start after a few hundred verifications.
      const segments = segmentGroups(
        groupByPartitionKey(state.records),
        settings.segmentRecords,
        Math.max(1, Math.floor(settings.segmentRecords / 8)),
      );
      segments.forEach((segment, s) =>
        segment.forEach((group) => group.forEach((r) => (state.segmentOf[r.index] = s))),
      );
      const admit = createAdmission(state, deps, parkHolds(state, parking));
      const commit = createCommitter(state, deps);
      const committed: Promise<void>[] = [];
      let chain = Promise.resolve();
      for (const [s, segment] of segments.entries()) {
        if (s >= 2) await committed[s - 2];
        await runByKey(segment, settings.keyConcurrency, admit, (skipped, after) =>
          skipAfter(state, skipped, after),
        );
        const units = state.segmentUnits[s] ?? [];
        chain = chain.then(() => commit(units));
        committed.push(chain);
      }
      await chain;
      settleCommitted(state);
      // Records whose key is parked, or that used up the consumer's attempts, go behind the key's park.
      await parkPhase(state, deps, parking);

      await recordFailures(state, deps);
      // Telemetry for the console, after every write the batch's outcome depends on (count-outcomes.ts).
      await countOutcomes(state, deps);
      return closeBatch(state);
    },
  };
}
