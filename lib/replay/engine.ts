import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { BatchPipeline, VerifyFn } from "../pipeline/types.js";
import type { RecordOutcome } from "../pipeline/outcome.js";
import { prefetchMarkers } from "../ledger/prefetch.js";
import { messageLedgerKey } from "../ledger/ledger-keys.js";
import { peekIdentity } from "../pipeline/peek.js";
import { matchesFilters } from "./filters.js";
import { afterReopen, resolveRejectedRecord, reopenRejectedMarker } from "../ledger/resolution.js";
import { predictOutcome } from "./dry-run.js";
import { byStreamPosition } from "../kinesis/sequence.js";
import { addUnrecoverable, countOutcome, emptySummary } from "./summary.js";
import type {
  ReplayCandidate,
  ReplayFilters,
  ReplayOutcome,
  ReplayProgress,
  ReplayRecord,
  ReplaySummary,
} from "./types.js";
import { toEventRecord } from "../kinesis/event-record.js";
import { isAggregate } from "../kinesis/aggregate-framing.js";
import { loadDeaggregate } from "../kinesis/load-deaggregate.js";

export interface ReplayEngineDeps {
  /** The consumer's pipeline, built with a verify that widens exp by the replay horizon. */
  pipeline: BatchPipeline;
  /** The same verify, used alone in a dry run (nothing is written). */
  verify: VerifyFn;
  dynamodb: DynamoDBClient;
  ledgerTable: string;
}

export interface ReplayOptions {
  filters?: ReplayFilters;
  dryRun?: boolean;
  /** Records per pipeline call (one simulated Lambda batch). */
  batchSize?: number;
  onProgress?: (progress: ReplayProgress) => void;
  now?: () => number;
}

/** What became of one candidate: `done` (every record finished; acknowledged at its source when it can be). */
export interface CandidateReport {
  candidate: ReplayCandidate;
  state: "done" | "failed" | "unrecoverable" | "filtered";
  outcomes: ReplayOutcome[];
  acknowledged: boolean;
}

export interface ReplayResult {
  summary: ReplaySummary;
  candidates: CandidateReport[];
}

/** A record's place: shard, sequence number and, for a user record of a KPL aggregate, its sub-sequence. */
const positionKey = (r: { shardId: string; sequenceNumber: string; subSequenceNumber?: number }) =>
  `${r.shardId}:${r.sequenceNumber}${r.subSequenceNumber === undefined ? "" : `:${r.subSequenceNumber}`}`;

/** Stream order, user records of one aggregate by sub-sequence. */
const byPositionWithin = (a: ReplayRecord, b: ReplayRecord) =>
  byStreamPosition(a, b) || (a.subSequenceNumber ?? -1) - (b.subSequenceNumber ?? -1);

/** What a whole aggregate replayed from the stream became: the first user record that did not finish, if any. */
function foldOutcome(previous: ReplayOutcome | undefined, next: ReplayOutcome): ReplayOutcome {
  if (!previous) return next;
  if (previous.status === "failed") return previous;
  if (next.status === "failed" || next.status === "rejected") return next;
  return previous.status === "rejected" ? previous : next;
}

/** A replayed record as the consumer's pipeline receives it: the same documented event shape Lambda builds. */
function asEventRecord(record: ReplayRecord): KinesisStreamRecord {
  return toEventRecord(
    {
      shardId: record.shardId,
      sequenceNumber: record.sequenceNumber,
      partitionKey: record.partitionKey,
      data: Buffer.from(record.data, "base64"),
      approximateArrivalMs: record.arrivedAt ?? Date.now(),
    },
    {
      awsRegion: process.env.AWS_REGION ?? "us-east-1",
      invokeIdentityArn: "kjp-replay",
      eventSourceArn: "kjp-replay",
    },
  );
}

export function toReplayOutcome(outcome: RecordOutcome): ReplayOutcome {
  switch (outcome.status) {
    case "processed":
      return { status: "processed" };
    case "duplicate":
      return { status: "duplicate" };
    case "rejected":
      return { status: "rejected", reason: outcome.reason, detail: outcome.detail };
    case "failed":
      return { status: "failed", code: outcome.code, detail: outcome.detail };
    case "unfinished":
      return { status: "failed", code: "unfinished", detail: outcome.detail };
    case "parked":
      return { status: "parked", reason: outcome.reason };
  }
}

const finished = (o: ReplayOutcome | undefined) => o !== undefined && o.status !== "failed";

async function collect(
  candidates: AsyncIterable<ReplayCandidate> | Iterable<ReplayCandidate>,
  onProgress?: (p: ReplayProgress) => void,
): Promise<ReplayCandidate[]> {
  const all: ReplayCandidate[] = [];
  for await (const candidate of candidates) {
    all.push(candidate);
    onProgress?.({ phase: "collect", done: all.length, total: all.length });
  }
  return all;
}

/**
 * Replays candidates through the consumer pipeline (the same verify → validate → dedupe → commit; no second
 * implementation). Records are replayed once each even when several sources name them, in stream order, so
 * the pipeline keeps order per partition key within a batch; across batches a key whose record failed again
 * is held back, so no later record of it overtakes. A candidate is acknowledged at its source (SQS message
 * deleted) only when every one of its records finished. Nothing is written in a dry run.
 */
export async function runReplay(
  source: AsyncIterable<ReplayCandidate> | Iterable<ReplayCandidate>,
  deps: ReplayEngineDeps,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const dryRun = options.dryRun ?? false;
  const now = options.now ?? Date.now;
  const summary = emptySummary(dryRun);
  const all = await collect(source, options.onProgress);
  summary.candidates = all.length;

  const reports: CandidateReport[] = all.map((candidate) => ({
    candidate,
    state: "done",
    outcomes: [],
    acknowledged: false,
  }));
  const live = reports.filter((report) => {
    if (matchesFilters(report.candidate, options.filters ?? {})) return true;
    report.state = "filtered";
    summary.filteredOut++;
    return false;
  });
  for (const report of live) {
    if (report.candidate.unrecoverable) {
      report.state = "unrecoverable";
      addUnrecoverable(summary, report.candidate);
    }
  }

  // One entry per stream position, in stream order.
  const byPosition = new Map<string, ReplayRecord>();
  for (const report of live)
    for (const record of report.candidate.records)
      if (!byPosition.has(positionKey(record))) byPosition.set(positionKey(record), record);
  const records = [...byPosition.values()].sort(byPositionWithin);
  const outcomes = new Map<string, ReplayOutcome>();
  const progress = (done: number) => options.onProgress?.({ phase: "replay", done, total: records.length });
  progress(0);

  if (dryRun) {
    const reopens = live.flatMap((report) => (report.candidate.reopen ? [report.candidate.reopen] : []));
    await dryRunOutcomes(records, reopens, deps, outcomes, progress);
  } else {
    for (const report of live) {
      const reopen = report.candidate.reopen;
      if (reopen)
        await reopenRejectedMarker(deps.dynamodb, deps.ledgerTable, reopen.pk, reopen.tokenHash, now());
    }
    const blockedKeys = new Map<string, string>();
    const batchSize = Math.max(1, options.batchSize ?? 100);
    for (let i = 0; i < records.length; i += batchSize) {
      const slice = records.slice(i, i + batchSize);
      const feed: ReplayRecord[] = [];
      for (const record of slice) {
        const blocker = blockedKeys.get(record.partitionKey);
        if (blocker)
          outcomes.set(positionKey(record), {
            status: "failed",
            code: "unfinished",
            detail: `record ${blocker} of the same partition key is still failing`,
          });
        else feed.push(record);
      }
      if (feed.length > 0) {
        const event: KinesisStreamEvent = { Records: feed.map(asEventRecord) };
        // A user record taken out of its aggregate (ledger, logs) keeps its position; a whole aggregate
        // re-read from the stream is unpacked by the pipeline and answers for all its user records. A record
        // of a parked key goes behind its park instead of ahead of it.
        const result = await deps.pipeline.process(event, {
          parking: "append",
          subSequenceNumbers: feed.map((r) => r.subSequenceNumber),
        });
        for (const report of result.reports) {
          const outcome = toReplayOutcome(report.outcome);
          const key = positionKey(report.record);
          outcomes.set(key, outcome);
          const whole = positionKey({ ...report.record, subSequenceNumber: undefined });
          if (whole !== key) outcomes.set(whole, foldOutcome(outcomes.get(whole), outcome));
          if (outcome.status === "failed" && !blockedKeys.has(report.record.partitionKey))
            blockedKeys.set(report.record.partitionKey, key);
        }
      }
      progress(Math.min(records.length, i + batchSize));
    }
  }
  for (const record of records)
    countOutcome(
      summary,
      outcomes.get(positionKey(record)) ?? { status: "failed", code: "unfinished", detail: "not replayed" },
    );

  for (const report of live) {
    const candidate = report.candidate;
    report.outcomes = candidate.records.map(
      (r) => outcomes.get(positionKey(r)) ?? { status: "failed", code: "unfinished", detail: "not replayed" },
    );
    if (report.state !== "unrecoverable") report.state = report.outcomes.every(finished) ? "done" : "failed";
    if (dryRun) continue;
    const only = report.outcomes.length === 1 ? report.outcomes[0] : undefined;
    if (candidate.resolvesLedgerPk && only && (only.status === "processed" || only.status === "duplicate")) {
      if (
        await resolveRejectedRecord(
          deps.dynamodb,
          deps.ledgerTable,
          candidate.resolvesLedgerPk,
          only.status,
          now(),
        )
      )
        summary.resolved++;
    }
    if (report.state === "done" && candidate.ack) {
      await candidate.ack();
      report.acknowledged = true;
      summary.acknowledged++;
    }
  }
  return { summary, candidates: reports };
}

/**
 * Dry run: what the pipeline would say, from reads only. The markers are read as the real run would find them,
 * i.e. after the reopening of rejected markers it does first (see predictOutcome for the rule).
 */
async function dryRunOutcomes(
  records: ReplayRecord[],
  reopens: ReadonlyArray<{ pk: string; tokenHash?: string }>,
  deps: ReplayEngineDeps,
  outcomes: Map<string, ReplayOutcome>,
  progress: (done: number) => void,
): Promise<void> {
  // Each record's bytes are decoded once and split once, for the marker prefetch and the predictions alike.
  const bytes = records.map((r) => Buffer.from(r.data, "base64"));
  // A whole aggregate re-read from the stream stands for its user records. The KPL reader is loaded only when
  // one is there (it costs the replay function's cold start otherwise).
  const deaggregate = records.some((r, i) => r.subSequenceNumber === undefined && isAggregate(bytes[i]!))
    ? await loadDeaggregate()
    : undefined;
  const tokensOf = (record: ReplayRecord, data: Buffer): Buffer[] | string => {
    if (record.subSequenceNumber !== undefined || !deaggregate) return [data];
    const unpacked = deaggregate(data);
    if (unpacked.kind === "corrupt") return unpacked.detail;
    return unpacked.kind === "plain" ? [data] : unpacked.records.map((u) => u.data);
  };
  const recordTokens = records.map((r, i) => tokensOf(r, bytes[i]!));
  const pks = recordTokens.flatMap((tokens) =>
    typeof tokens === "string"
      ? []
      : tokens.flatMap((token) => {
          const id = peekIdentity(token);
          return id ? [messageLedgerKey(id.iss, id.jti)] : [];
        }),
  );
  const markers = await prefetchMarkers(deps.dynamodb, deps.ledgerTable, [
    ...pks,
    ...reopens.map((r) => r.pk),
  ]);
  for (const { pk, tokenHash } of reopens) {
    const marker = markers.get(pk);
    if (marker) markers.set(pk, afterReopen(marker, tokenHash));
  }
  let done = 0;
  for (const [i, record] of records.entries()) {
    const tokens = recordTokens[i]!;
    let outcome: ReplayOutcome | undefined;
    if (typeof tokens === "string") outcome = { status: "rejected", reason: "aggregate", detail: tokens };
    else
      for (const token of tokens)
        outcome = foldOutcome(outcome, await predictOutcome(token, markers, deps.verify));
    outcomes.set(positionKey(record), outcome!);
    progress(++done);
  }
}
