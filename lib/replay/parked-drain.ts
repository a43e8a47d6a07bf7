import type { KinesisStreamEvent } from "aws-lambda";
import { toEventRecord } from "../kinesis/event-record.js";
import { messageLedgerKey } from "../ledger/ledger-keys.js";
import {
  listParkedKeys,
  type ParkedRecord,
  parsePosition,
  readParkedRecords,
  readParkMarker,
  removeFromPark,
  unparkIfEmpty,
} from "../ledger/park-items.js";
import { prefetchMarkers } from "../ledger/prefetch.js";
import { peekIdentity } from "../pipeline/peek.js";
import { predictOutcome } from "./dry-run.js";
import { type ReplayEngineDeps, toReplayOutcome } from "./engine.js";
import { countOutcome, emptySummary } from "./summary.js";
import type { ReplayOutcome, ReplaySummary } from "./types.js";

/**
 * Draining parked keys (`kjp replay --from parked`, and the scheduled replay function before the on-failure
 * queue): each key's parked records, in sequence order, through the consumer's pipeline in drain mode. A
 * record that finishes (applied, duplicate, or rejected for good and kept in the ledger) leaves the park; the
 * first one that fails again stops the key, which stays parked with it and everything behind it. The key is
 * unparked only when its marker holds no position any more (a conditional delete): a record the live
 * consumer parked meanwhile keeps it held, and the drain goes round again.
 */
export interface ParkedDrainOptions {
  /** Only these keys (default: every parked key). */
  keys?: string[];
  dryRun?: boolean;
  /** Records per pipeline call. */
  batchSize?: number;
  /** Stop starting new keys when this returns true (the scheduled function's deadline). */
  outOfTime?: () => boolean;
}

export interface KeyDrainReport {
  partitionKey: string;
  /** `unparked`: drained and released; `held`: a record failed again (or dry run); `not_parked`: nothing to do. */
  state: "unparked" | "held" | "not_parked";
  drained: number;
  /** Parked records left behind (the failing one included). */
  remaining: number;
  /** The record that failed again, and why. */
  stoppedAt?: { sequenceNumber: string; outcome: ReplayOutcome };
}

export interface ParkedDrainResult {
  summary: ReplaySummary;
  keys: KeyDrainReport[];
}

/** Rounds per key at most: each round drains up to batchSize records or finds the key held. */
const MAX_ROUNDS = 10_000;

const finished = (o: ReplayOutcome) => o.status !== "failed" && o.status !== "parked";

function eventOf(records: ParkedRecord[]): KinesisStreamEvent {
  return {
    Records: records.map((r) =>
      toEventRecord(
        {
          shardId: r.shardId,
          sequenceNumber: r.sequenceNumber,
          partitionKey: r.partitionKey,
          data: Buffer.from(r.data, "base64"),
          approximateArrivalMs: r.arrivedAt ?? Date.parse(r.parkedAt),
        },
        {
          awsRegion: process.env.AWS_REGION ?? "us-east-1",
          invokeIdentityArn: "kjp-replay",
          eventSourceArn: "kjp-replay",
        },
      ),
    ),
  };
}

export async function drainParkedKeys(
  deps: ReplayEngineDeps,
  options: ParkedDrainOptions = {},
): Promise<ParkedDrainResult> {
  const summary = emptySummary(options.dryRun ?? false);
  const keys =
    options.keys ?? (await listParkedKeys(deps.dynamodb, deps.ledgerTable)).map((m) => m.partitionKey);
  const reports: KeyDrainReport[] = [];
  for (const key of new Set(keys)) {
    if (options.outOfTime?.()) break;
    summary.candidates++;
    reports.push(
      options.dryRun
        ? await predictKey(deps, key, summary)
        : await drainKey(deps, key, summary, options.batchSize ?? 100),
    );
  }
  return { summary, keys: reports };
}

async function drainKey(
  deps: ReplayEngineDeps,
  key: string,
  summary: ReplaySummary,
  batchSize: number,
): Promise<KeyDrainReport> {
  const report: KeyDrainReport = { partitionKey: key, state: "not_parked", drained: 0, remaining: 0 };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const marker = await readParkMarker(deps.dynamodb, deps.ledgerTable, key);
    if (!marker) return report;
    if (marker.positions.length === 0) {
      if (await unparkIfEmpty(deps.dynamodb, deps.ledgerTable, key)) {
        report.state = "unparked";
        return report;
      }
      continue; // parked again meanwhile: go round
    }
    const positions = marker.positions.slice(0, batchSize);
    const records = await readParkedRecords(deps.dynamodb, deps.ledgerTable, positions);
    // Items are written before their position joins the marker, so a missing one is lost, not late: nothing
    // behind it is applied, the key stays held for an operator.
    const missing = positions.findIndex((p) => !records.has(p));
    const feed = missing < 0 ? positions : positions.slice(0, missing);
    const result =
      feed.length > 0
        ? await deps.pipeline.process(eventOf(feed.map((p) => records.get(p)!)), { parking: "drain" })
        : { reports: [] };
    for (const [i, position] of positions.entries()) {
      const reportOfRecord = i < feed.length ? result.reports[i] : undefined;
      const outcome: ReplayOutcome = reportOfRecord
        ? toReplayOutcome(reportOfRecord.outcome)
        : { status: "failed", code: "parked_item_missing", detail: `no parked item at ${position}` };
      countOutcome(summary, outcome);
      if (!finished(outcome)) {
        report.state = "held";
        report.remaining = marker.positions.length - i;
        report.stoppedAt = { sequenceNumber: parsePosition(position).sequenceNumber, outcome };
        return report;
      }
      await removeFromPark(deps.dynamodb, deps.ledgerTable, key, position);
      report.drained++;
    }
  }
  report.state = "held";
  return report;
}

/** Dry run: what draining would make of each parked record, from reads only (markers + verification). */
async function predictKey(
  deps: ReplayEngineDeps,
  key: string,
  summary: ReplaySummary,
): Promise<KeyDrainReport> {
  const marker = await readParkMarker(deps.dynamodb, deps.ledgerTable, key);
  const report: KeyDrainReport = { partitionKey: key, state: "not_parked", drained: 0, remaining: 0 };
  if (!marker) return report;
  report.state = "held";
  report.remaining = marker.positions.length;
  const records = await readParkedRecords(deps.dynamodb, deps.ledgerTable, marker.positions);
  const data = marker.positions.map((p) => records.get(p));
  const pks = data.flatMap((r) => {
    const id = r ? peekIdentity(Buffer.from(r.data, "base64")) : undefined;
    return id ? [messageLedgerKey(id.iss, id.jti)] : [];
  });
  const markers = await prefetchMarkers(deps.dynamodb, deps.ledgerTable, pks);
  for (const record of data) {
    countOutcome(
      summary,
      record
        ? await predictOutcome(Buffer.from(record.data, "base64"), markers, deps.verify)
        : { status: "failed", code: "parked_item_missing", detail: "no parked item" },
    );
  }
  return report;
}
