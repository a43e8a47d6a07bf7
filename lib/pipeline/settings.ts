export interface PipelineSettings {
  /** Partition keys verified/processed at once. */
  keyConcurrency: number;
  /** Transactions (and BatchGetItem requests) in flight at once. */
  commitConcurrency: number;
  maxItemsPerTransaction: number;
  /** Tries of a unit whose transaction is throttled or conflicts, within one invocation. */
  maxCommitAttempts: number;
  ledgerTtlSeconds: number;
  claimLeaseMs: number;
  /** Bound on the raw record kept in rejected/failed ledger items (base64 characters). */
  rawMaxChars: number;
  /** Look markers up before verifying (saves the verification of redelivered records). */
  prefetch: boolean;
  /** Records per segment: one segment is verified while the previous one commits. */
  segmentRecords: number;
  /** Stop starting work when the invocation has less than this left (see ProcessOptions.remainingMs). */
  deadlineMarginMs: number;
  /**
   * Parking (park.ts): a record that failed transiently in this many invocations, or is older than
   * parkAfterAgeSeconds when it fails, is parked with every later record of its partition key. Derived from
   * Lambda's own limits (config/park-limits.ts), always below them. 0 turns parking off.
   */
  parkAfterAttempts: number;
  parkAfterAgeSeconds: number;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  keyConcurrency: 64,
  commitConcurrency: 8,
  maxItemsPerTransaction: 100,
  maxCommitAttempts: 4,
  ledgerTtlSeconds: 30 * 86_400,
  claimLeaseMs: 60_000,
  rawMaxChars: 300_000,
  prefetch: true,
  segmentRecords: 2_000,
  deadlineMarginMs: 10_000,
  parkAfterAttempts: 5,
  parkAfterAgeSeconds: 3_600,
};
