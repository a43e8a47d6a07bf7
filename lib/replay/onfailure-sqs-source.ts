import type { KinesisClient } from "@aws-sdk/client-kinesis";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { parseOnFailureRecord } from "./onfailure-record.js";
import { readRange } from "./range-reader.js";
import type { ReplayCandidate } from "./types.js";

export interface SqsSourceOptions {
  sqs: SQSClient;
  kinesis: KinesisClient;
  queueUrl: string;
  /** Overrides the stream named by each record's streamArn. */
  streamName?: string;
  /** Seconds a received message stays hidden from other consumers while it is replayed. */
  visibilityTimeoutSec?: number;
  /** Stop after this many messages. */
  limit?: number;
  /** Long-poll wait of each receive (0 on emulators and in tests). */
  waitTimeSec?: number;
  /**
   * Make every received message visible again when the source is done (a dry run: the messages were only
   * hidden so that each receive brings new ones and every queued batch is counted once).
   */
  releaseWhenDone?: boolean;
}

/** The shortest hiding that lets a dry run receive every message once before the first comes back. */
export const DRY_RUN_MIN_VISIBILITY_SEC = 60;

/**
 * One on-failure SQS message as a candidate: its KinesisBatchInfo range re-read from the stream. The message
 * is deleted (ack) only by the engine, once every record of the range finished.
 */
export async function sqsCandidate(
  message: Message,
  options: Pick<SqsSourceOptions, "sqs" | "kinesis" | "queueUrl" | "streamName">,
): Promise<ReplayCandidate> {
  const messageId = message.MessageId ?? "";
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? "0") || undefined;
  const candidate: ReplayCandidate = {
    id: `sqs:${messageId}`,
    provenance: {
      source: "onfailure-sqs",
      queueUrl: options.queueUrl,
      messageId,
      ...(receiveCount ? { receiveCount } : {}),
    },
    records: [],
    ack: async () => {
      await options.sqs.send(
        new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    },
  };
  const parsed = parseOnFailureRecord(message.Body ?? "", options.streamName);
  if (!parsed.ok) {
    candidate.unrecoverable = { code: "unreadable", detail: parsed.detail };
    return candidate;
  }
  candidate.failedAt = parsed.record.timestamp;
  candidate.reason = parsed.record.requestContext?.condition;
  candidate.range = parsed.range;
  const read = await readRange(options.kinesis, parsed.range);
  candidate.records.push(...read.records);
  if (!read.ok) candidate.unrecoverable = read.unrecoverable;
  return candidate;
}

/** Receives one batch of on-failure messages (up to 10), with the receive count for backoff decisions. */
export async function receiveOnFailure(options: SqsSourceOptions, max = 10): Promise<Message[]> {
  const out = await options.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
      WaitTimeSeconds: options.waitTimeSec ?? 0,
      VisibilityTimeout: options.visibilityTimeoutSec ?? 900,
      MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
    }),
  );
  return out.Messages ?? [];
}

/** Every on-failure message in the queue (until a receive comes back empty), each as a candidate. */
export async function* onFailureSqsSource(options: SqsSourceOptions): AsyncGenerator<ReplayCandidate> {
  let left = options.limit ?? 10_000;
  // With a short visibility timeout (a dry run) messages come back while we read: stop at the first receive
  // that brings nothing new, so a run never loops over the same messages.
  const seen = new Set<string>();
  const handles: string[] = [];
  try {
    while (left > 0) {
      const messages = (await receiveOnFailure(options, left)).filter((m) => !seen.has(m.MessageId ?? ""));
      if (messages.length === 0) return;
      for (const message of messages) {
        seen.add(message.MessageId ?? "");
        if (message.ReceiptHandle) handles.push(message.ReceiptHandle);
        left--;
        yield await sqsCandidate(message, options);
      }
    }
  } finally {
    if (options.releaseWhenDone)
      for (const handle of handles)
        await options.sqs
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: options.queueUrl,
              ReceiptHandle: handle,
              VisibilityTimeout: 0,
            }),
          )
          .catch(() => undefined); // it becomes visible again at the end of its timeout anyway
  }
}
