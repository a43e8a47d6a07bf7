import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { BatchResult } from "./types.js";
import type { BatchTelemetry } from "./batch-telemetry.js";
import { outcomeLines } from "./outcome-lines.js";

/**
 * The batch's log lines and metrics. Records that did not finish well are grouped per outcome, reason and
 * shard into a few lines (outcome-lines.ts): rejected and unfinished at warn, failed at error. No line carries a
 * record's bytes or payload; each names its records by position, which is what a CloudWatch replay follows
 * (re-reading them from the stream). Then the batch's EMF metrics: processed, rejected by reason, duplicate,
 * failed, batch size, verify/commit latency, and whether the outcome counters could not be written.
 */
export function reportBatch(
  result: BatchResult,
  telemetry: ReturnType<BatchTelemetry["summary"]>,
  logger: Logger,
  metrics: Metrics,
): void {
  const counts = { processed: 0, duplicate: 0, rejected: 0, failed: 0, unfinished: 0, parked: 0 };
  const rejectedBy = new Map<string, number>();
  for (const { outcome } of result.reports) {
    counts[outcome.status]++;
    if (outcome.status === "rejected")
      rejectedBy.set(outcome.reason, (rejectedBy.get(outcome.reason) ?? 0) + 1);
  }
  for (const line of outcomeLines(result.reports)) {
    const { message, ...fields } = line;
    if (line.outcome === "failed") logger.error(message, fields);
    else logger.warn(message, fields);
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
  // The console's per-minute counters are telemetry: not written costs this line and metric, not the batch.
  if (telemetry.counterError !== undefined) {
    logger.warn("outcome counters not written", { error: telemetry.counterError });
    metrics.addMetric("outcomeCountersNotWritten", MetricUnit.Count, 1);
  }
  for (const [reason, n] of rejectedBy) {
    const single = metrics.singleMetric();
    single.addDimension("reason", reason);
    single.addMetric("rejectedByReason", MetricUnit.Count, n);
  }
}
