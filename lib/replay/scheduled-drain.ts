import type { KinesisClient } from "@aws-sdk/client-kinesis";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { runReplay, type ReplayEngineDeps } from "./engine.js";
import { receiveOnFailure, sqsCandidate } from "./onfailure-sqs-source.js";
import { emptySummary, mergeSummary } from "./summary.js";
import type { ReplayCandidate, ReplaySummary } from "./types.js";

export interface DrainDeps {
  sqs: SQSClient;
  kinesis: KinesisClient;
  engine: ReplayEngineDeps;
  queueUrl: string;
  /** Where messages that cannot be replayed go (unreadable, range gone): KJP_REPLAY_DLQ_URL. */
  dlqUrl: string;
  /** Messages per invocation, at most. */
  maxMessages?: number;
  /** Hidden while being replayed; longer than one round takes. */
  visibilityTimeoutSec?: number;
  /** Backoff of a message that still fails: base × 2^(receives−1), capped, with jitter. */
  backoffBaseSec?: number;
  backoffMaxSec?: number;
  random?: () => number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface DrainResult {
  summary: ReplaySummary;
  received: number;
  /** Replayed in full and deleted from the queue. */
  deleted: number;
  /** Still failing: hidden again for a backoff (the queue's redrive policy moves them to the DLQ in the end). */
  deferred: number;
  /** Unrecoverable: sent to the DLQ with the reason, then deleted from the queue. */
  deadLettered: number;
  stoppedBecause: "empty" | "time" | "limit" | "still_failing";
}

/** Seconds a still-failing message stays hidden after its n-th receive (at most 12 h, SQS's limit). */
export function backoffSeconds(
  receiveCount: number,
  baseSec: number,
  maxSec: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(maxSec, baseSec * 2 ** Math.max(0, receiveCount - 1));
  return Math.min(43_200, Math.max(1, Math.round(exp * (0.5 + random() / 2))));
}

/**
 * The scheduled replay: drains the on-failure queue in rounds of up to 10 messages, replaying each range
 * through the pipeline. Replayed messages are deleted (by the engine, after success); unrecoverable ones go
 * to the DLQ with the reason; still-failing ones are hidden again with exponential backoff. A round in which
 * nothing replayed and something still failed ends the invocation early (the trouble has not passed yet).
 */
export async function drainOnFailureQueue(deps: DrainDeps, remainingMs: () => number): Promise<DrainResult> {
  const result: DrainResult = {
    summary: emptySummary(false),
    received: 0,
    deleted: 0,
    deferred: 0,
    deadLettered: 0,
    stoppedBecause: "empty",
  };
  const max = deps.maxMessages ?? 500;
  const source = {
    sqs: deps.sqs,
    kinesis: deps.kinesis,
    queueUrl: deps.queueUrl,
    visibilityTimeoutSec: deps.visibilityTimeoutSec ?? 300,
  };
  for (;;) {
    if (result.received >= max) {
      result.stoppedBecause = "limit";
      break;
    }
    // Leave time for a round (range reads + pipeline) and the bookkeeping after it.
    if (remainingMs() < 30_000) {
      result.stoppedBecause = "time";
      break;
    }
    const messages = await receiveOnFailure(source, Math.min(10, max - result.received));
    if (messages.length === 0) break;
    result.received += messages.length;
    const byCandidate = new Map<ReplayCandidate, Message>();
    const deferredNow: Message[] = [];
    for (const message of messages) {
      try {
        byCandidate.set(await sqsCandidate(message, source), message);
      } catch (error) {
        // The stream could not be read right now (throttled, unavailable): try this message again later.
        deps.log?.("range read failed, deferring", {
          messageId: message.MessageId,
          error: (error as Error).message,
        });
        deferredNow.push(message);
      }
    }
    const { summary, candidates } = await runReplay([...byCandidate.keys()], deps.engine);
    mergeSummary(result.summary, summary);
    let deletedNow = 0;
    for (const report of candidates) {
      const message = byCandidate.get(report.candidate)!;
      if (report.acknowledged) deletedNow++;
      else if (report.state === "unrecoverable") {
        await deadLetter(deps, message, report.candidate);
        result.deadLettered++;
      } else deferredNow.push(message);
    }
    for (const message of deferredNow) {
      const receives = Number(message.Attributes?.ApproximateReceiveCount ?? "1") || 1;
      await deps.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: deps.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: backoffSeconds(
            receives,
            deps.backoffBaseSec ?? 60,
            deps.backoffMaxSec ?? 3_600,
            deps.random,
          ),
        }),
      );
      result.deferred++;
    }
    result.deleted += deletedNow;
    if (deferredNow.length > 0 && deletedNow === 0) {
      result.stoppedBecause = "still_failing";
      break;
    }
  }
  return result;
}

async function deadLetter(deps: DrainDeps, message: Message, candidate: ReplayCandidate): Promise<void> {
  const reason = candidate.unrecoverable ?? { code: "unknown", detail: "" };
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.dlqUrl,
      MessageBody: message.Body ?? "",
      MessageAttributes: {
        kjpUnrecoverable: { DataType: "String", StringValue: reason.code },
        kjpDetail: { DataType: "String", StringValue: reason.detail.slice(0, 1000) || "-" },
        kjpSourceMessageId: { DataType: "String", StringValue: message.MessageId ?? "-" },
      },
    }),
  );
  await deps.sqs.send(
    new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: message.ReceiptHandle }),
  );
}
