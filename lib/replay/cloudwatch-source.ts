import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilteredLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { VERIFY_REASONS } from "../envelope/reasons.js";
import { messageLedgerKey, recordLedgerKey } from "../ledger/ledger-keys.js";
import { type FailedPosition, followUpCandidates } from "./follow-ups.js";
import { byStreamPosition, isSequenceNumber } from "../kinesis/sequence.js";
import { unverifiedType } from "./filters.js";
import type { ReplayCandidate, ReplayFilters, ReplayRecord } from "./types.js";

/**
 * The consumer's structured line for a record that did not finish (lib/pipeline/report-batch.ts), as far as
 * replay needs it. `unfinished` lines (records held back for redelivery) are written by consumers since the
 * CloudWatch source stopped needing the stream for them; older consumers wrote only rejected/failed lines.
 */
export interface FailureLine {
  outcome: "rejected" | "failed" | "unfinished";
  shardId: string;
  sequenceNumber: string;
  /** A user record of a KPL aggregate: its place in it. */
  subSequenceNumber?: number;
  partitionKey?: string;
  jti?: string;
  iss?: string;
  type?: string;
  reason?: string;
  raw?: string;
  rawTruncated?: boolean;
  /** True on a rejected line whose iss/jti were signed: the rejection is in the ledger under its message key. */
  identityVerified?: boolean;
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
  if (line.outcome !== "rejected" && line.outcome !== "failed" && line.outcome !== "unfinished")
    return undefined;
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
  if (Number.isSafeInteger(line.subSequenceNumber) && (line.subSequenceNumber as number) >= 0)
    out.subSequenceNumber = line.subSequenceNumber as number;
  if (typeof line.identityVerified === "boolean") out.identityVerified = line.identityVerified;
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
export const FAILURE_FILTER_PATTERN =
  '{ ($.outcome = "rejected") || ($.outcome = "failed") || ($.outcome = "unfinished") }';

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

/** A parsed line with the log event it came from (time, stream, id). */
export type FoundLine = { line: FailureLine; event: FilteredLogEvent };

/** A log line's record, when the line carries all of it. */
const lineRecord = (line: FailureLine): ReplayRecord | undefined =>
  line.raw && line.rawTruncated !== true
    ? {
        shardId: line.shardId,
        sequenceNumber: line.sequenceNumber,
        partitionKey: line.partitionKey ?? "",
        data: line.raw,
        ...(line.subSequenceNumber !== undefined ? { subSequenceNumber: line.subSequenceNumber } : {}),
      }
    : undefined;

/**
 * The latest line per stream position, grouped: a failed line leads its partition key's unfinished lines
 * that follow it in the shard (the records the pipeline held back after the failure); every other line
 * stands alone. Sorted by stream position.
 */
export function groupFailureLines(lines: readonly FoundLine[]): FoundLine[][] {
  const latest = new Map<string, FoundLine>();
  for (const found of lines) {
    const key = `${found.line.shardId}:${found.line.sequenceNumber}:${found.line.subSequenceNumber ?? ""}`;
    const seen = latest.get(key);
    if (!seen || (found.event.timestamp ?? 0) >= (seen.event.timestamp ?? 0)) latest.set(key, found);
  }
  const ordered = [...latest.values()].sort(
    (a, b) =>
      byStreamPosition(a.line, b.line) || (a.line.subSequenceNumber ?? -1) - (b.line.subSequenceNumber ?? -1),
  );
  const groups: FoundLine[][] = [];
  const openByKey = new Map<string, FoundLine[]>();
  for (const found of ordered) {
    const { line } = found;
    const key = `${line.shardId}\u0000${line.partitionKey ?? ""}`;
    const open = line.partitionKey !== undefined ? openByKey.get(key) : undefined;
    if (line.outcome === "unfinished" && open) {
      open.push(found);
      continue;
    }
    const group = [found];
    groups.push(group);
    if (line.outcome === "failed" && line.partitionKey !== undefined) openByKey.set(key, group);
  }
  return groups;
}

function matchesLine(line: FailureLine, filters: ReplayFilters | undefined): boolean {
  if (filters?.reasons?.length && !filters.reasons.includes(line.reason ?? "")) return false;
  if (filters?.types?.length) {
    const type = line.type ?? (line.raw ? unverifiedType(line.raw) : undefined);
    if (!filters.types.includes(type ?? "")) return false;
  }
  return true;
}

/**
 * The candidates the lines carry in full, and the failures whose records must come from the stream (lines
 * without a complete raw copy, when a stream is available; without one they are unrecoverable candidates).
 * Pure: the part of the CloudWatch source that decides, apart from reading the logs and the stream.
 */
export function lineCandidates(
  lines: readonly FoundLine[],
  options: { logGroup: string; filters?: ReplayFilters; streamAvailable: boolean },
): { candidates: ReplayCandidate[]; fromStream: FailedPosition[] } {
  const provenance = { source: "cloudwatch" as const, logGroup: options.logGroup };
  const candidates: ReplayCandidate[] = [];
  const fromStream: FailedPosition[] = [];
  for (const group of groupFailureLines(lines)) {
    const { line, event } = group[0]!;
    if (!matchesLine(line, options.filters)) continue;
    const failedAt = new Date(event.timestamp ?? Date.now()).toISOString();
    const records = group.map((found) => lineRecord(found.line));
    const complete = records.every((r) => r !== undefined);
    if (!complete && options.streamAvailable) {
      fromStream.push({
        shardId: line.shardId,
        sequenceNumber: line.sequenceNumber,
        partitionKey: line.partitionKey ?? "",
        failedAt,
        ...(line.reason ? { reason: line.reason } : {}),
      });
      continue;
    }
    const candidate: ReplayCandidate = {
      id: `logs:${line.shardId}:${line.sequenceNumber}${line.subSequenceNumber === undefined ? "" : `:${line.subSequenceNumber}`}${group.length > 1 ? "+" : ""}`,
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
    // Where the pipeline recorded the rejection: under the message key when its identity was signed (a
    // processor's refusal, or a verification rejection flagged identityVerified), else under its position.
    const keyedByMessage =
      line.outcome === "rejected" &&
      !!line.iss &&
      !!line.jti &&
      (line.reason === "processor" || line.identityVerified === true);
    if (keyedByMessage) candidate.reopen = { pk: messageLedgerKey(line.iss!, line.jti!) };
    else if (
      line.outcome === "rejected" &&
      line.reason &&
      (VERIFY_REASONS as readonly string[]).includes(line.reason)
    ) {
      candidate.resolvesLedgerPk = recordLedgerKey(line.shardId, line.sequenceNumber, line.subSequenceNumber);
    }
    if (complete) candidate.records.push(...(records as ReplayRecord[]));
    else
      candidate.unrecoverable = {
        code: "no_stream",
        detail: `the log lines of ${line.shardId}:${line.sequenceNumber}${group.length > 1 ? ` (and ${group.length - 1} held back after it)` : ""} carry no complete record; pass --stream to re-read it`,
      };
    candidates.push(candidate);
  }
  return { candidates, fromStream };
}

/**
 * Failure lines of the consumer's log group as candidates, without the stream when the lines carry the records:
 * - a rejected line carries its raw record: one candidate;
 * - a failed line and the unfinished lines of its partition key after it (the pipeline logs every record it
 *   held back) form one candidate, in stream order; `--reason`/`--type` select it by the failed line;
 * - an unfinished line with no failure before it (deadline, ledger unreachable): one candidate.
 * Lines without a complete raw copy (cut at the log bound, or written by an older consumer that logged no raw
 * record for failed lines and no unfinished lines at all) fall back to the stream: per shard it is re-read from
 * the earliest such failure and every later record of its key is replayed (see follow-ups.ts); without a
 * stream they are reported unrecoverable (`no_stream`). A record logged N times (retries): the latest decides.
 */
export async function* cloudWatchSource(options: CloudWatchSourceOptions): AsyncGenerator<ReplayCandidate> {
  const { candidates, fromStream } = lineCandidates(await readFailureLines(options), {
    logGroup: options.logGroup,
    streamAvailable: options.stream !== undefined,
    ...(options.filters ? { filters: options.filters } : {}),
  });
  let left = options.limit ?? 10_000;
  for (const candidate of candidates) {
    if (left-- <= 0) return;
    yield candidate;
  }
  if (fromStream.length > 0 && options.stream) {
    const untilMs = options.filters?.until ? Date.parse(options.filters.until) : undefined;
    for (const candidate of await followUpCandidates(
      options.stream.kinesis,
      options.stream.streamName,
      fromStream,
      { source: "cloudwatch", logGroup: options.logGroup },
      untilMs,
    )) {
      if (left-- <= 0) return;
      yield candidate;
    }
  }
}
