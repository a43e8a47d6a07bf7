import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { drainParkedKeys, type KeyDrainReport } from "./parked-drain.js";
import { type ParkedGauges, parkedGauges } from "./parked-gauges.js";
import { type DrainDeps, type DrainResult, drainOnFailureQueue } from "./scheduled-drain.js";

export type ReplayHandler = (
  event: ScheduledEvent | Record<string, never>,
  context: Context,
) => Promise<ReplayRunResult>;

export interface ReplayRunResult extends DrainResult {
  /** Parked keys drained first (in order per key), before the on-failure queue. */
  parked: KeyDrainReport[];
  /** What stays parked after this run (the parkedKeys alarm's metric). */
  gauges: ParkedGauges;
}

/**
 * The scheduled replay function: drains parked keys first (so a key's parked records are applied before any
 * on-failure replay of the same key appends behind them), then the on-failure queue; then measures what is
 * still parked (metrics parkedKeys, parkedRecords, oldestParkedAgeSeconds). One summary line per invocation.
 */
export function createReplayHandler(deps: DrainDeps, logger: Logger, metrics?: Metrics): ReplayHandler {
  const base = async (_event: unknown, context: Context): Promise<ReplayRunResult> => {
    const remaining = () =>
      typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : 300_000;
    const parked = await drainParkedKeys(deps.engine, { outOfTime: () => remaining() < 60_000 });
    const held = parked.keys.filter((k) => k.state === "held");
    if (held.length > 0)
      logger.warn("parked keys still held", {
        keys: held.slice(0, 20).map((k) => ({
          partitionKey: k.partitionKey,
          remaining: k.remaining,
          stoppedAt: k.stoppedAt,
        })),
      });
    const result = await drainOnFailureQueue(
      { ...deps, log: (message, fields) => logger.warn(message, fields) },
      remaining,
    );
    const gauges = await parkedGauges(deps.engine.dynamodb, deps.engine.ledgerTable, Date.now());
    if (metrics) {
      metrics.addMetric("parkedKeys", MetricUnit.Count, gauges.parkedKeys);
      metrics.addMetric("parkedRecords", MetricUnit.Count, gauges.parkedRecords);
      metrics.addMetric("oldestParkedAgeSeconds", MetricUnit.Seconds, gauges.oldestParkedAgeSeconds);
    }
    const level = result.deadLettered > 0 || result.deferred > 0 || gauges.parkedKeys > 0 ? "warn" : "info";
    logger[level]("replay drained parked keys and the on-failure queue", {
      ...result,
      parked: {
        drainedKeys: parked.keys.filter((k) => k.state === "unparked").length,
        heldKeys: held.length,
        records: parked.summary.replayed,
        stillParkedKeys: gauges.parkedKeys,
        stillParkedRecords: gauges.parkedRecords,
        oldestParkedAgeSeconds: gauges.oldestParkedAgeSeconds,
      },
      summary: {
        ...result.summary,
        unrecoverable: result.summary.unrecoverable.map((u) => ({
          candidate: u.candidate,
          code: u.code,
          detail: u.detail,
        })),
      },
    });
    return { ...result, parked: parked.keys, gauges };
  };
  const handler = middy(base).use(injectLambdaContext(logger));
  if (metrics) handler.use(logMetrics(metrics));
  return handler as unknown as ReplayHandler;
}
