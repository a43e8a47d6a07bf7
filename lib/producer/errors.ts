import type { PayloadIssue } from "../envelope/types.js";
import { KjpError, TransientError } from "../errors/kjp-error.js";

/**
 * The message was refused before queueing: its payload fails its schema, its type/version is unknown, or its
 * partition key is unusable. (Shape problems the signer finds are lib/envelope's InvalidMessageError.)
 */
export class MessageValidationError extends KjpError {
  constructor(
    readonly reason: "unknown_type" | "invalid_payload" | "partition_key",
    detail: string,
    readonly issues: PayloadIssue[] = [],
  ) {
    super("invalid_message", detail, {
      hint:
        reason === "partition_key"
          ? "partition keys are 1 to 256 characters"
          : "check the data against `kjp schemas list` / the exported JSON Schemas",
    });
  }
}

/** Partition key + signed token exceed what one Kinesis record may carry. */
export class RecordTooLargeError extends KjpError {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      "record_too_large",
      `the signed record is ${bytes} bytes (partition key + token), above the Kinesis limit of ${limit}`,
      {
        hint: "send a reference (e.g. an S3 key) instead of the large content",
      },
    );
  }
}

/** The bounded queue is full (count or bytes) and the publisher was told not to wait, or waited in vain. */
export class QueueFullError extends TransientError {
  constructor(detail: string) {
    super("queue_full", detail, {
      hint: "Kinesis is slower than the publish rate: slow down, or raise maxQueueRecords/maxQueueBytes",
    });
  }
}

/** publish() after close(), or a message still queued when close()'s deadline passed. */
export class PublisherClosedError extends KjpError {
  constructor(detail = "the publisher is closed") {
    super("publisher_closed", detail, {
      hint: "publish before close(); give close() a longer deadline to drain the queue",
    });
  }
}

/** Kinesis refused an entry permanently, or kept failing it until the retry deadline passed. */
export class PublishFailedError extends KjpError {
  constructor(
    detail: string,
    readonly errorCode: string,
    readonly attempts: number,
    retryable: boolean,
    cause?: unknown,
  ) {
    super("publish_failed", detail, {
      retryable,
      cause,
      hint: retryable
        ? "Kinesis stayed unavailable or throttled: publish again later"
        : "check the stream name, permissions and KMS key",
    });
  }
}
