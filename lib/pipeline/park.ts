import {
  addToPark,
  countFailedAttempt,
  PARK_MARKER_STATUS,
  parkMarkerKey,
  positionOf,
  putParkedRecord,
} from "../ledger/park-items.js";
import { prefetchMarkers } from "../ledger/prefetch.js";
import { mapWithConcurrency } from "../util/concurrency.js";
import type { BatchState } from "./batch-state.js";
import type { DecodedRecord } from "./decode.js";
import { groupByPartitionKey } from "./group.js";
import { failureFromError, isFinished, type RecordOutcome } from "./outcome.js";
import type { ParkingMode, PipelineDeps } from "./types.js";

/**
 * Parking keeps order per partition key through exhausted retries. Lambda's on-failure destination moves the
 * shard on past a batch that used up its retries, so the live consumer applies later records of a key
 * before a replay applies the earlier ones. Instead, the consumer itself gives up on a record first (its own
 * attempt/age limits sit below Lambda's): it parks the record and every later record of its key, in sequence
 * order, and acknowledges them only once their parked items are written. A drain (lib/replay/parked-drain.ts)
 * applies them later, in order, and unparks the key.
 *
 * While DynamoDB cannot be written nothing is counted and nothing is parked: the records stay in
 * batchItemFailures and the shard waits (Lambda retries; the iterator-age alarm fires).
 */

/** A Kinesis record is at most 1 MiB, but a DynamoDB item at most 400 KB: bigger records cannot be parked. */
export const PARK_RAW_MAX_CHARS = 380_000;

/** The park markers of the batch's partition keys: read with the dedupe markers, in the same BatchGetItem calls. */
export function parkMarkerKeys(state: BatchState): string[] {
  return [...new Set(state.records.map((r) => r.partitionKey))].map(parkMarkerKey);
}

/** Whether records of this key must go behind its park (never in a drain, which applies exactly those). */
export function parkHolds(state: BatchState, mode: ParkingMode): (partitionKey: string) => boolean {
  if (mode === "drain") return () => false;
  return (key) => state.markers.get(parkMarkerKey(key))?.status === PARK_MARKER_STATUS;
}

/**
 * The park check when the dedupe prefetch is off (it normally rides on it). False when the ledger cannot be
 * read: nothing could be committed either, so every record is failed, as the prefetch does.
 */
export async function parkCheckPhase(
  state: BatchState,
  deps: PipelineDeps,
  mode: ParkingMode,
): Promise<boolean> {
  const off = state.settings.parkAfterAttempts === 0; // parking off: no parks to respect
  if (state.settings.prefetch || off || mode === "drain" || state.records.length === 0) return true;
  try {
    const found = await prefetchMarkers(
      deps.dynamodb,
      deps.ledgerTable,
      parkMarkerKeys(state),
      state.settings.commitConcurrency,
    );
    for (const [pk, snapshot] of found) state.markers.set(pk, snapshot);
    return true;
  } catch (error) {
    const failure = failureFromError(error, "ledger_unavailable");
    state.records.forEach((_, i) => (state.outcomes[i] = { ...failure, code: "ledger_unavailable" }));
    return false;
  }
}

/** The outcome a record of a parked key gets in admission, until the park phase writes it behind the park. */
export const HELD_BY_PARK: RecordOutcome = {
  status: "unfinished",
  reason: "unfinished_parked",
  detail: "its partition key is parked: it goes behind the park",
};

/** A transient failure that counts as a used attempt: not DynamoDB being unreachable (then the shard waits). */
function countsAsAttempt(
  outcome: RecordOutcome | undefined,
): outcome is { status: "failed"; code: string; detail: string } {
  return outcome?.status === "failed" && outcome.code !== "ledger_unavailable";
}

interface ParkPlan {
  key: string;
  /** The head (first unfinished record of the key) and every later record of the key, in sequence order. */
  records: DecodedRecord[];
  reason: string;
  detail: string;
}

/**
 * After the commit: for each key whose first unfinished record must not be retried any longer (its key is
 * already parked, or it exhausted the consumer's attempts or age), park it and the rest of its key. Parked
 * records end `parked` (acknowledged) only when their items and the key's marker are written.
 */
export async function parkPhase(state: BatchState, deps: PipelineDeps, mode: ParkingMode): Promise<void> {
  if (mode === "drain") return;
  const { outcomes, settings } = state;
  const holds = parkHolds(state, mode);
  const plans: ParkPlan[] = [];
  const candidates: {
    key: string;
    records: DecodedRecord[];
    head: DecodedRecord;
    code: string;
    detail: string;
  }[] = [];
  for (const [key, group] of groupByPartitionKey(state.records)) {
    const h = group.findIndex((r) => !isFinished(outcomes[r.index]!));
    if (h < 0) continue;
    const records = group.slice(h);
    const head = records[0]!;
    const outcome = outcomes[head.index];
    if (holds(key)) {
      plans.push({ key, records, reason: "parked_behind", detail: "its partition key was already parked" });
    } else if (mode === "live" && settings.parkAfterAttempts > 0 && countsAsAttempt(outcome)) {
      candidates.push({ key, records, head, code: outcome.code, detail: outcome.detail });
    }
  }
  if (candidates.length > 0) {
    const now = state.now();
    let counts: number[] = [];
    try {
      counts = await mapWithConcurrency(candidates, settings.commitConcurrency, (c) =>
        countFailedAttempt(deps.dynamodb, deps.ledgerTable, c.head, now, settings.ledgerTtlSeconds),
      );
    } catch {
      // DynamoDB cannot be written: nothing counted, nothing parked; the shard waits for it.
      counts = [];
    }
    counts.forEach((attempts, i) => {
      const c = candidates[i]!;
      const ageMs = c.head.arrivedAt === undefined ? 0 : now - c.head.arrivedAt;
      const tooOld = settings.parkAfterAgeSeconds > 0 && ageMs >= settings.parkAfterAgeSeconds * 1000;
      if (attempts >= settings.parkAfterAttempts || tooOld)
        plans.push({
          key: c.key,
          records: c.records,
          reason: c.code,
          detail: `${tooOld ? `older than ${settings.parkAfterAgeSeconds} s` : `failed ${attempts} times`}: ${c.detail}`,
        });
    });
  }
  await mapWithConcurrency(plans, settings.commitConcurrency, (plan) => writePark(state, deps, plan));
}

async function writePark(state: BatchState, deps: PipelineDeps, plan: ParkPlan): Promise<void> {
  // A record too big for an item cannot be parked whole; the key then keeps failing (on-failure destination).
  if (plan.records.some((r) => r.base64.length > PARK_RAW_MAX_CHARS)) return;
  const now = state.now();
  const parkedAt = new Date(now).toISOString();
  try {
    // Items first, then the marker: a drain deciding on the marker never misses a parked item.
    await mapWithConcurrency(plan.records, 4, (record, i) => {
      const facts = state.facts[record.index] ?? {};
      return putParkedRecord(deps.dynamodb, deps.ledgerTable, {
        shardId: record.shardId,
        sequenceNumber: record.sequenceNumber,
        partitionKey: record.partitionKey,
        data: record.base64,
        ...(record.arrivedAt !== undefined ? { arrivedAt: record.arrivedAt } : {}),
        reason: i === 0 ? plan.reason : "parked_behind",
        detail: i === 0 ? plan.detail : `behind record ${plan.records[0]!.sequenceNumber} of its key`,
        parkedAt,
        ...(facts.iss ? { iss: facts.iss } : {}),
        ...(facts.jti ? { jti: facts.jti } : {}),
      });
    });
    await addToPark(
      deps.dynamodb,
      deps.ledgerTable,
      plan.key,
      plan.records.map((r) => positionOf(r.shardId, r.sequenceNumber)),
      plan.reason,
      now,
    );
  } catch {
    // Not durably parked: the records stay in batchItemFailures and parking is tried again on redelivery.
    return;
  }
  plan.records.forEach((record, i) => {
    state.outcomes[record.index] = {
      status: "parked",
      reason: i === 0 ? plan.reason : "parked_behind",
      detail: i === 0 ? plan.detail : `behind record ${plan.records[0]!.sequenceNumber} of its key`,
    };
  });
}
