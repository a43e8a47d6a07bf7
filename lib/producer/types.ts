import type { PutRecordsCommandOutput, PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import type { SignInput } from "../envelope/sign.js";
import type { KjpError } from "../errors/kjp-error.js";

/** What the publisher needs from lib/envelope's Signer. */
export interface TokenSigner {
  sign(input: SignInput): Promise<string>;
}

/**
 * One PutRecords call for the stream the publisher writes to. The seam between batching/retry logic and the
 * transport: production passes `kinesisPutRecords(client, stream)`.
 */
export type PutRecordsFn = (
  records: PutRecordsRequestEntry[],
) => Promise<Pick<PutRecordsCommandOutput, "Records" | "FailedRecordCount">>;

export interface PublishRequest {
  type: string;
  v: number;
  data: Record<string, unknown>;
  /** The entity the message is about; also the default partition key. */
  sub?: string;
  /** Default: `sub`, else the `jti` (spreads unrelated messages over shards). */
  partitionKey?: string;
  /** Default: a fresh UUIDv7. */
  jti?: string;
}

/** Kinesis accepted the record. */
export interface Acknowledgement {
  jti: string;
  partitionKey: string;
  shardId: string;
  sequenceNumber: string;
  /** Set when the message went inside a KPL aggregate: its place in it (`aggregate: true`). */
  subSequenceNumber?: number;
  attempts: number;
}

export interface PublishReceipt {
  jti: string;
  partitionKey: string;
  /** Partition key + token bytes. */
  bytes: number;
  /**
   * Settles when Kinesis accepted the record, or rejects with PublishFailedError / PublisherClosedError.
   * Ignoring it is safe: an unobserved rejection never becomes an unhandled rejection.
   */
  acknowledged: Promise<Acknowledgement>;
}

export interface PublisherStats {
  /** Accepted into the queue. */
  published: number;
  acknowledged: number;
  /** Entry resubmissions (one entry retried twice counts 2). */
  retried: number;
  failed: number;
  /**
   * Entries written before an earlier entry of their key that failed in the same request (possible only
   * with `strictOrder: false`).
   */
  reordered: number;
  requests: number;
  /** Waiting to be sent (including retries backing off). */
  queued: number;
  inFlight: number;
  /** Bytes held by queued and in-flight entries. */
  pendingBytes: number;
}

export type PublisherEvent =
  | { type: "published"; jti: string; partitionKey: string; bytes: number }
  | { type: "request"; records: number; bytes: number }
  | {
      type: "acknowledged";
      jti: string;
      partitionKey: string;
      shardId: string;
      sequenceNumber: string;
      subSequenceNumber?: number;
      attempts: number;
    }
  | {
      type: "retried";
      jti: string;
      partitionKey: string;
      attempt: number;
      errorCode: string;
      delayMs: number;
    }
  | { type: "reordered"; jti: string; partitionKey: string }
  | { type: "failed"; jti: string; partitionKey: string; error: KjpError };

export interface FlushResult {
  /** Queue and in-flight requests were empty before the deadline. */
  drained: boolean;
  /** Entries still queued or in flight at the end. */
  pending: number;
}

export interface CloseResult extends FlushResult {
  /** Queued entries failed with PublisherClosedError because the deadline passed. */
  abandoned: number;
}
