import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { minutesBetween } from "../../lib/ledger/outcome-counters.js";
import { CHART_OUTCOMES } from "./statuses.js";

/** Where the consumer's Powertools metrics are: its namespace and the `service` dimension it adds. */
export interface MetricsSource {
  namespace: string;
  service: string;
}

/**
 * The consumer's own EMF metrics per minute (lib/pipeline/report-batch.ts emits `processed`, `duplicate`,
 * `rejected`, `failed`, `parked` once per batch, dimension `service`), all message types together: what
 * CloudWatch counted, independent of the ledger's counters. One GetMetricData call, Sum per 60 s.
 */
export async function cloudWatchOutcomes(
  cw: CloudWatchClient,
  source: MetricsSource,
  sinceMs: number,
  untilMs: number,
): Promise<{ minutes: string[]; counts: Record<string, number[]> }> {
  const minutes = minutesBetween(sinceMs, untilMs);
  const index = new Map(minutes.map((m, i) => [m, i]));
  const counts = Object.fromEntries(CHART_OUTCOMES.map((o) => [o, minutes.map(() => 0)]));
  const queries: MetricDataQuery[] = CHART_OUTCOMES.map((outcome, i) => ({
    Id: `m${i}`,
    Label: outcome,
    MetricStat: {
      Metric: {
        Namespace: source.namespace,
        MetricName: outcome,
        Dimensions: [{ Name: "service", Value: source.service }],
      },
      Period: 60,
      Stat: "Sum",
    },
    ReturnData: true,
  }));
  let next: string | undefined;
  do {
    const out = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(Math.floor(sinceMs / 60_000) * 60_000),
        EndTime: new Date((Math.floor(untilMs / 60_000) + 1) * 60_000),
        ...(next ? { NextToken: next } : {}),
      }),
    );
    for (const result of out.MetricDataResults ?? []) {
      const series = counts[result.Label ?? ""];
      if (!series) continue;
      (result.Timestamps ?? []).forEach((t, j) => {
        const column = index.get(new Date(t).toISOString().slice(0, 16));
        if (column !== undefined) series[column]! += result.Values?.[j] ?? 0;
      });
    }
    next = out.NextToken;
  } while (next);
  return { minutes, counts };
}
