/**
 * The shared vocabulary of replay: sources yield candidates (a failure as it was captured, with the records it
 * stands for and where it came from); the engine feeds their records through the consumer pipeline and
 * reports what became of each.
 */

/** One Kinesis record to replay, as the stream delivered it. */
export interface ReplayRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** The record's data, base64 (as a Kinesis event carries it). */
  data: string;
  /** ms since epoch, when Kinesis accepted the record (if known). */
  arrivedAt?: number;
  /** A user record of a KPL aggregate (`data` is then its own token): its place in the aggregate. */
  subSequenceNumber?: number;
}

export type SourceName = "ledger" | "onfailure-sqs" | "onfailure-s3" | "cloudwatch";

/** Where a candidate came from, precise enough for an operator to find it again. */
export type Provenance =
  | { source: "ledger"; pk: string; status: string }
  | { source: "onfailure-sqs"; queueUrl: string; messageId: string; receiveCount?: number }
  | { source: "onfailure-s3"; bucket: string; key: string }
  | { source: "cloudwatch"; logGroup: string; logStream?: string; eventId?: string };

/** A sequence range of one shard, as an on-failure record names it. */
export interface ShardRange {
  streamName: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
}

export interface Unrecoverable {
  /** Stable code: trimmed, stream_not_found, shard_not_found, range_not_found, range_incomplete, raw_truncated, unreadable. */
  code: string;
  detail: string;
}

export interface ReplayCandidate {
  /** Unique within a run, for logs and the summary. */
  id: string;
  provenance: Provenance;
  /** When the failure was captured (ISO-8601); filters --since/--until use it. */
  failedAt?: string;
  /** Known message type (ledger, logs), else read (unverified) from the token by the engine. */
  type?: string;
  /** Why it failed, as the source knows it: a rejection reason, a transient code, or an on-failure condition. */
  reason?: string;
  /** The ledger item to mark resolved once the record replays successfully (rec# rejections). */
  resolvesLedgerPk?: string;
  /** Set when the ledger item is a message's `rejected` marker, which must be reopened before it can be replayed. */
  reopen?: { pk: string; tokenHash?: string };
  range?: ShardRange;
  records: ReplayRecord[];
  /** Set when the records could not be recovered: the candidate is reported, never silently skipped. */
  unrecoverable?: Unrecoverable;
  /** Called (not in a dry run) once every record of the candidate finished: deletes the SQS message, etc. */
  ack?: () => Promise<void>;
}

export interface ReplayFilters {
  /** ISO-8601, inclusive. */
  since?: string;
  /** ISO-8601, exclusive. */
  until?: string;
  types?: string[];
  reasons?: string[];
}

/** What became of one replayed record. */
export type ReplayOutcome =
  | { status: "processed" }
  | { status: "duplicate" }
  /** Went behind its partition key's park (the key was parked): a drain applies it in order. */
  | { status: "parked"; reason: string }
  | { status: "rejected"; reason: string; detail: string }
  | { status: "failed"; code: string; detail: string };

export interface UnrecoverableEntry extends Unrecoverable {
  candidate: string;
  provenance: Provenance;
  range?: ShardRange;
}

export interface ReplaySummary {
  dryRun: boolean;
  candidates: number;
  /** Candidates left out by --since/--until/--type/--reason. */
  filteredOut: number;
  /** Distinct records fed through the pipeline (or, in a dry run, that would be). */
  replayed: number;
  processed: number;
  duplicates: number;
  /** Records that went behind a parked key (held in order for a drain, not failed). */
  parked: number;
  rejected: Record<string, number>;
  failed: Record<string, number>;
  unrecoverable: UnrecoverableEntry[];
  /** Candidates acknowledged at their source (SQS messages deleted, S3 objects removed). */
  acknowledged: number;
  /** Ledger items of earlier rejections marked resolved. */
  resolved: number;
}

export interface ReplayProgress {
  phase: "collect" | "replay";
  done: number;
  total: number;
}
