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
  /** Rejected/failed ledger items keep the raw record whole up to this many base64 characters... */
  rawMaxChars: number;
  /** ...and only its first this many characters (plus size and hash) beyond (ledger-items.ts, boundedRaw). */
  rawHeadChars: number;
  /** Look markers up before verifying (saves the verification of redelivered records). */
  prefetch: boolean;
  /** Records per segment: one segment is verified while the previous one commits. */
  segmentRecords: number;
  /**
   * Longest any one DynamoDB call (with the SDK's own retries) may take before it is aborted; a call is also
   * aborted when the invocation reaches its deadline (remaining time below `responseReserveMs`).
   */
  callTimeoutMs: number;
  /** Time kept back from the Lambda timeout to write the log lines and return the response. */
  responseReserveMs: number;
  /** Tries of one unit in transactions within one invocation, whatever the reasons (a backstop). */
  maxTransactionsPerUnit: number;
  /** Stop starting work when the invocation has less than this left (see ProcessOptions.remainingMs). */
  deadlineMarginMs: number;
  /**
   * Parking (park.ts): a record that failed transiently in this many invocations, or is older than
   * parkAfterAgeSeconds when it fails, is parked with every later record of its partition key. Derived from
   * Lambda's own limits (config/park-limits.ts), always below them. 0 turns parking off.
   */
  parkAfterAttempts: number;
  parkAfterAgeSeconds: number;
  /**
   * Longest the per-minute outcome counters' write may take (count-outcomes.ts); past it the batch answers
   * without them (a log line, a metric). 0 turns counting off.
   */
  counterTimeoutMs: number;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  keyConcurrency: 64,
  commitConcurrency: 8,
  maxItemsPerTransaction: 100,
  maxCommitAttempts: 4,
  ledgerTtlSeconds: 30 * 86_400,
  claimLeaseMs: 60_000,
  rawMaxChars: 65_536,
  rawHeadChars: 1_024,
  prefetch: true,
  segmentRecords: 2_000,
  deadlineMarginMs: 10_000,
  callTimeoutMs: 20_000,
  responseReserveMs: 3_000,
  maxTransactionsPerUnit: 10,
  parkAfterAttempts: 5,
  parkAfterAgeSeconds: 3_600,
  counterTimeoutMs: 1_000,
};
