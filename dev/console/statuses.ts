/**
 * The ledger statuses the console shows, in one place. Overview charts, the failures page and the "oldest
 * unfinished" card read these lists and nothing else.
 *
 * Extension point for parked keys (issue 20): when the ledger gains a `parked` status, add it to
 * ACTIVITY_STATUSES (a chart series), to FAILURE_STATUSES if parked items are listed by the `failures` index,
 * and to UNFINISHED_STATUSES (the oldest parked record then shows on the overview). No other console code
 * names a status.
 */
export const ACTIVITY_STATUSES = ["done", "rejected", "failed", "replayed"] as const;

/** Statuses listed by the ledger's `failures` index (its `failureStatus` values). */
export const FAILURE_STATUSES = ["rejected", "failed"] as const;

/** Statuses of work that is not finished yet: the overview shows the oldest of them. */
export const UNFINISHED_STATUSES = ["failed"] as const;

export type FailureStatus = (typeof FAILURE_STATUSES)[number];
