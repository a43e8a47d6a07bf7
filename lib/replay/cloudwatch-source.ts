import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilteredLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { VERIFY_REASONS } from "../envelope/reasons.js";
import { messageLedgerKey, recordLedgerKey } from "../ledger/keys.js";
import { type FailedPosition, followUpCandidates } from "./follow-ups.js";
import { byStreamPosition, isSequenceNumber } from "./sequence.js";
import type { ReplayCandidate, ReplayFilters } from "./types.js";

/** The consumer's structured failure line (lib/pipeline/report-batch.ts), as far as replay needs it. */
export interface FailureLine {
  outcome: "rejected" | "failed";
  shardId: string;
  sequenceNumber: string;
  partitionKey?: string;
  jti?: string;
  iss?: string;
  type?: string;
  reason?: string;
  raw?: string;
  rawTruncated?: boolean;
  timestamp?: string;
}

/**
 * The JSON object of a log event: Powertools writes JSON lines as they are; console output of the Lambda
 * runtime is prefixed with `<time>\t<request id>\t<LEVEL>\t`. Anything else is not a failure line.
 */
export function parseFailureLine(message: string): FailureLine | undefined {
  const start = message.indexOf("{");
  if (start < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message.slice(start));
  } catch {
    return undefined;
  }
  const line = value as Record<string, unknown>;
  if (line.outcome !== "rejected" && line.outcome !== "failed") return undefined;
  if (
    typeof line.shardId !== "string" ||
    typeof line.sequenceNumber !== "string" ||
    !isSequenceNumber(line.sequenceNumber)
  )
    return undefined;
  const out: FailureLine = {
    outcome: line.outcome,
    shardId: line.shardId,
    sequenceNumber: line.sequenceNumber,
  };
  for (const key of ["partitionKey", "jti", "iss", "type", "reason", "raw", "timestamp"] as const) {
    if (typeof line[key] === "string") out[key] = line[key] as string;
  }
  if (typeof line.rawTruncated === "boolean") out.rawTruncated = line.rawTruncated;
  return out;
}

export interface CloudWatchSourceOptions {
  logs: CloudWatchLogsClient;
  logGroup: string;
  filters?: ReplayFilters;
  /** Re-reads records whose line carries no (complete) raw copy: transient failures, long records. */
  stream?: { kinesis: KinesisClient; streamName: string };
  limit?: number;
}

/** Server-side pre-filter; every line is still parsed and checked here. */
export const FAILURE_FILTER_PATTERN = '{ ($.outcome = "rejected") || ($.outcome = "failed") }';

/** Reads every failure line of the log group in the window (FilterLogEvents, all pages). */
export async function readFailureLines(
  options: CloudWatchSourceOptions,
): Promise<Array<{ line: FailureLine; event: FilteredLogEvent }>> {
  const found: Array<{ line: FailureLine; event: FilteredLogEvent }> = [];
  let token: string | undefined;
  const startTime = options.filters?.since ? Date.parse(options.filters.since) : undefined;
  const endTime = options.filters?.until ? Date.parse(options.filters.until) - 1 : undefined;
  do {
    const out = await options.logs.send(
      new FilterLogEventsCommand({
        logGroupName: options.logGroup,
        filterPattern: FAILURE_FILTER_PATTERN,
        ...(startTime !== undefined ? { startTime } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
        ...(token ? { nextToken: token } : {}),
      }),
    );
    for (const event of out.events ?? []) {
      const line = parseFailureLine(event.message ?? "");
      if (line) found.push({ line, event });
    }
    token = out.nextToken;
  } while (token);
  return found;
}

/**
 * Failure lines of the consumer's log group as candidates. A rejected line carries the raw record: one
 * candidate each. A failed (transient) line only names its position, and the records after it of the same
 * partition key were never logged (the pipeline stopped the key), so per shard the stream is re-read from the
 * earliest failure and every record of a failed key from its failure on is replayed (see follow-ups.ts).
 * A record retried N times has N lines; the latest decides.
 */
export async function* cloudWatchSource(options: CloudWatchSourceOptions): AsyncGenerator<ReplayCandidate> {
  const lines = await readFailureLines(options);
  const latest = new Map<string, { line: FailureLine; event: FilteredLogEvent }>();
  for (const found of lines) {
    const { line } = found;
    if (options.filters?.reasons?.length && !options.filters.reasons.includes(line.reason ?? "")) continue;
    if (options.filters?.types?.length && !options.filters.types.includes(line.type ?? "")) continue;
    const key = `${line.shardId}:${line.sequenceNumber}`;
    const seen = latest.get(key);
    if (!seen || (found.event.timestamp ?? 0) >= (seen.event.timestamp ?? 0)) latest.set(key, found);
  }
  const ordered = [...latest.values()].sort((a, b) => byStreamPosition(a.line, b.line));
  const provenance = { source: "cloudwatch" as const, logGroup: options.logGroup };
  const failed: FailedPosition[] = [];
  let left = options.limit ?? 10_000;
  for (const { line, event } of ordered) {
    const failedAt = new Date(event.timestamp ?? Date.now()).toISOString();
    const needsStream = line.outcome === "failed" || !line.raw || line.rawTruncated === true;
    if (needsStream && options.stream) {
      failed.push({
        shardId: line.shardId,
        sequenceNumber: line.sequenceNumber,
        partitionKey: line.partitionKey ?? "",
        failedAt,
        ...(line.reason ? { reason: line.reason } : {}),
      });
      continue;
    }
    if (left-- <= 0) return;
    const candidate: ReplayCandidate = {
      id: `logs:${line.shardId}:${line.sequenceNumber}`,
      provenance: {
        ...provenance,
        ...(event.logStreamName ? { logStream: event.logStreamName } : {}),
        ...(event.eventId ? { eventId: event.eventId } : {}),
      },
      failedAt,
      records: [],
    };
    if (line.type) candidate.type = line.type;
    if (line.reason) candidate.reason = line.reason;
    if (
      line.outcome === "rejected" &&
      line.reason &&
      (VERIFY_REASONS as readonly string[]).includes(line.reason)
    ) {
      candidate.resolvesLedgerPk = recordLedgerKey(line.shardId, line.sequenceNumber);
    }
    if (line.outcome === "rejected" && line.reason === "processor" && line.iss && line.jti)
      candidate.reopen = { pk: messageLedgerKey(line.iss, line.jti) };
    if (needsStream) {
      candidate.unrecoverable = {
        code: "no_stream",
        detail: `the log line of ${line.shardId}:${line.sequenceNumber} carries no complete record; pass --stream to re-read it`,
      };
    } else {
      candidate.records.push({
        shardId: line.shardId,
        sequenceNumber: line.sequenceNumber,
        partitionKey: line.partitionKey ?? "",
        data: line.raw!,
      });
    }
    yield candidate;
  }
  if (failed.length > 0 && options.stream) {
    const untilMs = options.filters?.until ? Date.parse(options.filters.until) : undefined;
    for (const candidate of await followUpCandidates(
      options.stream.kinesis,
      options.stream.streamName,
      failed,
      provenance,
      untilMs,
    )) {
      if (left-- <= 0) return;
      yield candidate;
    }
  }
}
