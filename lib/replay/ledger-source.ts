import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { listFailures, type LedgerEntry } from "../ledger/inspect.js";
import { type FailedPosition, followUpCandidates } from "./follow-ups.js";
import { readRange } from "./range-reader.js";
import type { ReplayCandidate, ReplayFilters } from "./types.js";

export interface LedgerSourceOptions {
  dynamodb: DynamoDBClient;
  ledgerTable: string;
  /** Which failures to read; default both. */
  statuses?: Array<"rejected" | "failed">;
  filters?: ReplayFilters;
  limit?: number;
  /** Where to re-read a record whose raw copy the ledger had to truncate. */
  stream?: { kinesis: KinesisClient; streamName: string };
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A ledger item of the sparse `failures` index as a replay candidate (its raw record is in the item). */
export async function ledgerCandidate(
  item: LedgerEntry,
  stream?: LedgerSourceOptions["stream"],
): Promise<ReplayCandidate> {
  const pk = String(item.pk);
  const status = String(item.status ?? item.failureStatus ?? "");
  const shardId = text(item.shardId) ?? "unknown";
  const sequenceNumber = text(item.sequenceNumber) ?? "0";
  const candidate: ReplayCandidate = {
    id: `ledger:${pk}`,
    provenance: { source: "ledger", pk, status },
    records: [],
  };
  const failedAt = text(item.failedAt);
  if (failedAt) candidate.failedAt = failedAt;
  const type = text(item.type);
  if (type) candidate.type = type;
  const reason = text(item.reason);
  if (reason) candidate.reason = reason;
  if (status === "rejected" && pk.startsWith("rec#")) candidate.resolvesLedgerPk = pk;
  if (status === "rejected" && pk.startsWith("msg#")) {
    const tokenHash = text(item.tokenHash);
    candidate.reopen = tokenHash ? { pk, tokenHash } : { pk };
  }
  const raw = text(item.raw) ?? "";
  if (item.rawTruncated !== true) {
    candidate.records.push({
      shardId,
      sequenceNumber,
      partitionKey: text(item.partitionKey) ?? "",
      data: raw,
      ...(typeof item.subSequenceNumber === "number" ? { subSequenceNumber: item.subSequenceNumber } : {}),
    });
    return candidate;
  }
  if (!stream) {
    candidate.unrecoverable = {
      code: "raw_truncated",
      detail: `the ledger kept only part of record ${shardId}:${sequenceNumber}; pass --stream to re-read it from the stream`,
    };
    return candidate;
  }
  const range = {
    streamName: stream.streamName,
    shardId,
    startSequenceNumber: sequenceNumber,
    endSequenceNumber: sequenceNumber,
  };
  candidate.range = range;
  const read = await readRange(stream.kinesis, range);
  candidate.records.push(...read.records);
  if (!read.ok) candidate.unrecoverable = read.unrecoverable;
  return candidate;
}

/**
 * Rejected and failed items from the ledger's `failures` index, oldest first, in the --since/--until window
 * (the index's sort key is failedAt, so the window is part of the query). With a stream, transient failures
 * are replayed with the records after them of the same partition key (never in the ledger: the pipeline
 * stopped the key at the failure; see follow-ups.ts); without one, only the failed records themselves.
 */
export async function* ledgerSource(options: LedgerSourceOptions): AsyncGenerator<ReplayCandidate> {
  const statuses = options.statuses ?? ["failed", "rejected"];
  let left = options.limit ?? 10_000;
  const failed: FailedPosition[] = [];
  for (const status of statuses) {
    if (left <= 0) break;
    const items = await listFailures(options.dynamodb, options.ledgerTable, status, {
      ...(options.filters?.since ? { since: options.filters.since } : {}),
      ...(options.filters?.until ? { until: options.filters.until } : {}),
      ...(options.filters?.types ? { types: options.filters.types } : {}),
      ...(options.filters?.reasons ? { reasons: options.filters.reasons } : {}),
      limit: left,
    });
    for (const item of items) {
      left--;
      if (
        status === "failed" &&
        options.stream &&
        typeof item.shardId === "string" &&
        typeof item.sequenceNumber === "string"
      ) {
        failed.push({
          shardId: item.shardId,
          sequenceNumber: item.sequenceNumber,
          partitionKey: String(item.partitionKey ?? ""),
          ...(typeof item.failedAt === "string" ? { failedAt: item.failedAt } : {}),
          ...(typeof item.reason === "string" ? { reason: item.reason } : {}),
        });
        continue;
      }
      yield await ledgerCandidate(item, options.stream);
    }
  }
  if (failed.length > 0 && options.stream) {
    const provenance = { source: "ledger" as const, pk: "(failed items)", status: "failed" };
    yield* await followUpCandidates(options.stream.kinesis, options.stream.streamName, failed, provenance);
  }
}
