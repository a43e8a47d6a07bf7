/**
 * The ledger statuses the console shows, in one place. Overview charts, the failures page and the "oldest
 * unfinished" card read these lists and nothing else.
 *
 * Parked keys: the `failures` index lists one park marker per parked partition key under failureStatus
 * `parked` (lib/ledger/park-items.ts), so `parked` is a failure status and unfinished work. It is not an
 * activity series: parked record items are not written to the activity index.
 */
export const ACTIVITY_STATUSES = ["done", "rejected", "failed", "replayed"] as const;

/** Statuses listed by the ledger's `failures` index (its `failureStatus` values). */
export const FAILURE_STATUSES = ["rejected", "failed", "parked"] as const;

/** Statuses of work that is not finished yet: the overview shows the oldest of them. */
export const UNFINISHED_STATUSES = ["failed", "parked"] as const;

export type FailureStatus = (typeof FAILURE_STATUSES)[number];
