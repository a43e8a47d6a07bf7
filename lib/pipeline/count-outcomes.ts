import { messageLedgerKey } from "../ledger/ledger-keys.js";
import { addOutcomeCounts, coalesceOutcomes, type OutcomeEntry } from "../ledger/outcome-counters.js";
import type { BatchState } from "./batch-state.js";
import type { RecordOutcome } from "./outcome.js";
import type { PipelineDeps } from "./types.js";

/** A type the processors do not know is counted under this name: hostile claims never become counter names. */
export const OTHER_TYPE = "(other)";
/** A record whose type is not known (a duplicate whose marker predates types in snapshots, a junk record). */
export const UNKNOWN_TYPE = "(unknown)";

/**
 * The counter entry of one record, or undefined for a record not counted (unfinished: it comes back). The
 * type is the verified one, a duplicate's is its marker's, and a rejected record's unverified claim counts
 * only when the processors know that type.
 */
export function outcomeEntry(
  outcome: RecordOutcome | undefined,
  type: string | undefined,
  knownType: (type: string) => boolean,
): OutcomeEntry | undefined {
  if (!outcome || outcome.status === "unfinished") return undefined;
  const counted = type === undefined ? UNKNOWN_TYPE : knownType(type) ? type : OTHER_TYPE;
  switch (outcome.status) {
    case "processed":
    case "duplicate":
      return { outcome: outcome.status, type: counted };
    case "rejected":
    case "parked":
      return { outcome: outcome.status, type: counted, reason: outcome.reason };
    case "failed":
      return { outcome: "failed", type: counted, reason: outcome.code };
  }
}

/** The batch's write shard: from its first record's position, so concurrent shards' batches spread. */
function writeShard(state: BatchState): number {
  const first = state.records[0];
  let h = 0x811c9dc5;
  for (const ch of first ? `${first.shardId}:${first.sequenceNumber}` : "")
    h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * The last phase: the batch's outcomes ADD-ed to the ledger's per-minute counters (lib/ledger/outcome-counters.ts),
 * after everything the batch commits. Best effort under its own short deadline (`counterTimeoutMs`, and never
 * past the invocation's): a failure is reported to the observer (a log line and a metric), never to a record.
 * Skipped when the ledger proved unreachable or the deadline has passed.
 */
export async function countOutcomes(state: BatchState, deps: PipelineDeps): Promise<void> {
  const timeoutMs = state.settings.counterTimeoutMs;
  if (timeoutMs <= 0 || state.records.length === 0) return;
  const entries: OutcomeEntry[] = [];
  let unreachable = false;
  for (const record of state.records) {
    const outcome = state.outcomes[record.index];
    if (outcome?.status === "failed" && outcome.code === "ledger_unavailable") unreachable = true;
    const peeked = state.peeked[record.index];
    const type =
      state.facts[record.index]?.type ??
      (outcome?.status === "duplicate" && peeked
        ? state.markers.get(messageLedgerKey(peeked.iss, peeked.jti))?.type
        : undefined);
    const entry = outcomeEntry(outcome, type, (t) => deps.processors.has(t));
    if (entry) entries.push(entry);
  }
  const counts = coalesceOutcomes(entries);
  if (counts.length === 0) return;
  const started = performance.now();
  const report = (writes: number, error?: string) =>
    deps.observer?.outcomeCounters?.({
      writes,
      ms: performance.now() - started,
      ...(error ? { error } : {}),
    });
  if (unreachable || state.deadlineReached())
    return report(0, unreachable ? "skipped: the ledger is unreachable" : "skipped: past the deadline");
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), state.callSignal()]);
  try {
    // Raced against the deadline too: the SDK honours an abort only once a request is on the wire, and the
    // batch must not wait on a client that is busy elsewhere (a write left running may still land).
    const writes = await Promise.race([
      addOutcomeCounts(deps.dynamodb, deps.ledgerTable, counts, {
        nowMs: state.now(),
        shard: writeShard(state),
        ttlSeconds: state.settings.ledgerTtlSeconds,
        abortSignal: signal,
      }),
      aborted(signal),
    ]);
    report(writes);
  } catch (error) {
    report(0, error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error));
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new Error(`AbortError: ${String(signal.reason ?? "deadline")}`));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}
