import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { BatchResult } from "./types.js";
import type { BatchTelemetry } from "./batch-telemetry.js";
import type { DecodedRecord } from "./decode.js";
import { peekIdentity } from "./peek.js";

/** Raw records in log lines are cut to this many base64 characters (the ledger keeps more). */
export const LOG_RAW_MAX_CHARS = 4096;

const boundedRaw = (record: DecodedRecord) => ({
  raw: record.base64.slice(0, LOG_RAW_MAX_CHARS),
  rawTruncated: record.base64.length > LOG_RAW_MAX_CHARS,
});

/**
 * A record that was never verified (most unfinished ones, those whose verification threw) is named by the
 * identity read from its claims WITHOUT verification, flagged as such: enough to find it, never to trust it.
 */
function peekedIdentity(record: DecodedRecord, knownJti: string | undefined) {
  if (knownJti) return {};
  const peeked = peekIdentity(record.data);
  return peeked ? { jti: peeked.jti, iss: peeked.iss, identityVerified: false } : {};
}

/**
 * One structured log line per record that did not finish well, each with its position and the bounded raw
 * record: rejected (warn), failed (error), and unfinished (warn: left for redelivery without being tried to
 * the end, e.g. after an earlier failure of its partition key). The raw copies let a CloudWatch replay rebuild
 * every unfinished key without re-reading the stream; no DynamoDB write is spent on them. Then the batch's EMF
 * metrics: processed, rejected by reason, duplicate, failed, batch size, verify/commit latency.
 */
export function reportBatch(
  result: BatchResult,
  telemetry: ReturnType<BatchTelemetry["summary"]>,
  logger: Logger,
  metrics: Metrics,
): void {
  const counts = { processed: 0, duplicate: 0, rejected: 0, failed: 0, unfinished: 0, parked: 0 };
  const rejectedBy = new Map<string, number>();
  for (const { record, outcome, facts } of result.reports) {
    counts[outcome.status]++;
    const where = {
      shardId: record.shardId,
      sequenceNumber: record.sequenceNumber,
      ...(record.subSequenceNumber !== undefined ? { subSequenceNumber: record.subSequenceNumber } : {}),
      partitionKey: record.partitionKey,
      jti: facts.jti,
      iss: facts.iss,
      type: facts.type,
      v: facts.v,
    };
    if (outcome.status === "rejected") {
      rejectedBy.set(outcome.reason, (rejectedBy.get(outcome.reason) ?? 0) + 1);
      logger.warn("record rejected", {
        ...where,
        outcome: "rejected",
        reason: outcome.reason,
        detail: outcome.detail,
        ...(outcome.identityVerified ? { identityVerified: true } : {}),
        ...(outcome.issues ? { issues: outcome.issues.slice(0, 20) } : {}),
        ...boundedRaw(record),
      });
    } else if (outcome.status === "failed") {
      logger.error("record failed", {
        ...where,
        outcome: "failed",
        ...peekedIdentity(record, facts.jti),
        reason: outcome.code,
        detail: outcome.detail,
        ...boundedRaw(record),
      });
    } else if (outcome.status === "parked") {
      // The parked item keeps the raw record; the line says where it went and why.
      logger.warn("record parked", {
        ...where,
        outcome: "parked",
        reason: outcome.reason,
        detail: outcome.detail,
      });
    } else if (outcome.status === "unfinished") {
      logger.warn("record unfinished", {
        ...where,
        ...peekedIdentity(record, facts.jti),
        outcome: "unfinished",
        reason: outcome.reason,
        detail: outcome.detail,
        ...boundedRaw(record),
      });
    }
  }
  if (counts.unfinished > 0) {
    const first = result.response.batchItemFailures[0]?.itemIdentifier;
    logger.warn("records left for redelivery", {
      unfinished: counts.unfinished,
      failed: counts.failed,
      checkpointBefore: first,
    });
  }
  metrics.addMetric("batchSize", MetricUnit.Count, result.reports.length);
  metrics.addMetric("processed", MetricUnit.Count, counts.processed);
  metrics.addMetric("duplicate", MetricUnit.Count, counts.duplicate);
  metrics.addMetric("rejected", MetricUnit.Count, counts.rejected);
  metrics.addMetric("failed", MetricUnit.Count, counts.failed + counts.unfinished);
  metrics.addMetric("parked", MetricUnit.Count, counts.parked);
  if (telemetry.verifyCount > 0)
    metrics.addMetric("verifyLatency", MetricUnit.Milliseconds, telemetry.verifyMsAvg);
  if (telemetry.transactions > 0) {
    metrics.addMetric("commitLatency", MetricUnit.Milliseconds, telemetry.commitMsAvg);
    metrics.addMetric("transactions", MetricUnit.Count, telemetry.transactions);
  }
  for (const [reason, n] of rejectedBy) {
    const single = metrics.singleMetric();
    single.addDimension("reason", reason);
    single.addMetric("rejectedByReason", MetricUnit.Count, n);
  }
}
