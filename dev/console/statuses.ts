/**
 * The ledger statuses and outcomes the console shows, in one place. Overview charts, the failures page and the
 * "oldest unfinished" card read these lists and nothing else.
 *
 * Parked keys: the `failures` index lists one park marker per parked partition key under failureStatus
 * `parked` (lib/ledger/park-items.ts), so `parked` is a failure status and unfinished work.
 */

/** The overview chart's series: the per-minute outcome counters (lib/ledger/outcome-counters.ts). */
export const CHART_OUTCOMES = ["processed", "duplicate", "rejected", "failed", "parked"] as const;

/** What the overview's "recent problems" list shows from the `activity` index (done markers are not in it). */
export const ACTIVITY_STATUSES = ["rejected", "failed", "replayed"] as const;

/** Statuses listed by the ledger's `failures` index (its `failureStatus` values). */
export const FAILURE_STATUSES = ["rejected", "failed", "parked"] as const;

/** Statuses of work that is not finished yet: the overview shows the oldest of them. */
export const UNFINISHED_STATUSES = ["failed", "parked"] as const;

export type FailureStatus = (typeof FAILURE_STATUSES)[number];
