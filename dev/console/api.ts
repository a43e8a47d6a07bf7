import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { z } from "zod";
import {
  countFailuresByReason,
  type FailureQuery,
  failuresPage,
  type LedgerEntry,
  listFailures,
} from "../../lib/ledger/inspect.js";
import { describeKeySet, type KeySetDescription } from "../../lib/envelope/keysets/describe-key-set.js";
import type { Verifier } from "../../lib/envelope/verify.js";
import { messageReport, type MessageReportDeps } from "../../lib/replay/message-report.js";
import type { ReplayEngineDeps } from "../../lib/replay/engine.js";
import { selectSource, type SourceClients } from "../../lib/replay/source-selection.js";
import { parseTimeBound } from "../../lib/replay/time-window.js";
import type { ReplayFilters } from "../../lib/replay/types.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import {
  FailuresCursor,
  type FailuresQuery,
  type KeysQuery,
  type MessageQuery,
  type OverviewQuery,
  type ReplayRequest,
} from "./api-schemas.js";
import {
  PARK_MARKER_STATUS,
  parkedItemKey,
  parsePosition,
  sortPositions,
} from "../../lib/ledger/park-items.js";
import { prefetchMarkers } from "../../lib/ledger/prefetch.js";
import { maskPersonal } from "./masking.js";
import { outcomeChart, recentProblems } from "./overview.js";
import type { ActivityCache } from "./activity-cache.js";
import { cloudWatchOutcomes, type MetricsSource } from "./cloudwatch-outcomes.js";
import type { OutcomeCounterCache } from "./outcome-cache.js";
import type { ReplayJobs } from "./replay-jobs.js";
import { FAILURE_STATUSES, UNFINISHED_STATUSES } from "./statuses.js";

/** Everything the API reads from: built once per console from the environment (or by a test). */
export interface ConsoleContext {
  env: NodeJS.ProcessEnv;
  clients: SourceClients;
  ledgerTable: string;
  streamName?: string;
  horizonSec: number;
  /** The current key set's verifier (built on first use: a console can browse failures without keys). */
  verifier: () => Verifier;
  /** The replay engine over the consumer's pipeline (built on first use). */
  engine: () => ReplayEngineDeps;
  /** Trusted issuers and their key set sources, as KJP_ISSUERS lists them. */
  issuers: () => Array<{ issuer: string; keys: string }>;
  jobs: ReplayJobs;
  /** The activity index's last hours (recent problems), refreshed incrementally (activity-cache.ts). */
  activity: ActivityCache;
  /** The ledger's per-minute outcome counters of the last hours (outcome-cache.ts): the overview's charts. */
  counters: OutcomeCounterCache;
  /** The consumer's CloudWatch metrics, when the console is told where they are (KJP_METRICS_NAMESPACE). */
  metrics?: { cloudwatch: CloudWatchClient; source: MetricsSource };
  allowReplay: boolean;
  now: () => number;
}

/**
 * A ledger item as a failures row: bookkeeping only, the raw record is never sent to the page. `link` is the
 * ledger key the row opens: the item itself, or for a parked key's marker its first parked record (the one
 * that failed; the Message page shows the record, its verification and the park).
 */
function failureRow(item: LedgerEntry) {
  const s = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const detail = s(item.detail);
  const parked =
    item.status === PARK_MARKER_STATUS && Array.isArray(item.positions)
      ? sortPositions(item.positions.map(String))
      : undefined;
  const head = parked?.[0] ? parsePosition(parked[0]) : undefined;
  return {
    pk: String(item.pk),
    link: head ? parkedItemKey(head.shardId, head.sequenceNumber) : String(item.pk),
    status: s(item.failureStatus ?? item.status),
    reason: s(item.reason),
    type: s(item.type),
    iss: s(item.iss),
    jti: s(item.jti),
    partitionKey: s(item.partitionKey),
    failedAt: s(item.failedAt),
    attempts: typeof item.attempts === "number" ? item.attempts : undefined,
    position: head
      ? `${head.shardId}:${head.sequenceNumber}`
      : item.shardId
        ? `${s(item.shardId)}:${s(item.sequenceNumber)}`
        : undefined,
    ...(parked ? { parkedRecords: parked.length } : {}),
    detail: detail && detail.length > 300 ? `${detail.slice(0, 300)}…` : detail,
  };
}

const RECENT_PROBLEMS = 10;
/** GetMetricData is billed per metric read: the overview reads CloudWatch at most once a minute per window. */
const CLOUDWATCH_TTL_MS = 60_000;
const cloudWatchCache = new WeakMap<ConsoleContext, Map<number, { at: number; value: CloudWatchSeries }>>();
type CloudWatchSeries =
  | { source: string; minutes: string[]; counts: Record<string, number[]> }
  | { source: string; problem: string };

/** The consumer's own metrics for the window, or why they could not be read (never an error of the page). */
async function cloudWatchSeries(ctx: ConsoleContext, hours: number): Promise<CloudWatchSeries | undefined> {
  if (!ctx.metrics) return undefined;
  let cache = cloudWatchCache.get(ctx);
  if (!cache) cloudWatchCache.set(ctx, (cache = new Map()));
  const hit = cache.get(hours);
  if (hit && ctx.now() - hit.at < CLOUDWATCH_TTL_MS) return hit.value;
  const { cloudwatch, source } = ctx.metrics;
  const label = `CloudWatch ${source.namespace} (service ${source.service})`;
  const untilMs = ctx.now();
  let value: CloudWatchSeries;
  try {
    value = {
      source: label,
      ...(await cloudWatchOutcomes(cloudwatch, source, untilMs - hours * 3_600_000, untilMs)),
    };
  } catch (error) {
    value = {
      source: label,
      problem: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
  cache.set(hours, { at: ctx.now(), value });
  return value;
}

export async function overview(ctx: ConsoleContext, q: z.infer<typeof OverviewQuery>) {
  const [{ rows, sinceMs, untilMs }, activity, oldest, cloudwatch] = await Promise.all([
    ctx.counters.window(q.hours),
    ctx.activity.window(q.hours),
    Promise.all(
      UNFINISHED_STATUSES.map((status) =>
        listFailures(ctx.clients.dynamodb, ctx.ledgerTable, status, { limit: 1 }),
      ),
    ),
    cloudWatchSeries(ctx, q.hours),
  ]);
  const unfinished = oldest
    .flat()
    .sort((a, b) => String(a.failedAt ?? "").localeCompare(String(b.failedAt ?? "")))[0];
  // The activity index says what each item was when it changed; one BatchGetItem says what it is now (a
  // replayed failure is `done`: its marker left the index, which an incremental read cannot see).
  const recent = recentProblems(activity.items, RECENT_PROBLEMS);
  const current = await prefetchMarkers(
    ctx.clients.dynamodb,
    ctx.ledgerTable,
    recent.map((i) => i.pk),
  );
  return {
    since: new Date(sinceMs).toISOString(),
    until: new Date(untilMs).toISOString(),
    chart: outcomeChart(rows, sinceMs, untilMs),
    ...(cloudwatch ? { cloudwatch } : {}),
    recentProblems: recent.map((i) => ({ ...i, statusNow: current.get(i.pk)?.status ?? "gone" })),
    oldestUnfinished: unfinished ? failureRow(unfinished) : null,
  };
}

function failureQuery(ctx: ConsoleContext, q: z.infer<typeof FailuresQuery>): FailureQuery {
  return {
    ...(q.since ? { since: parseTimeBound(q.since, "since", ctx.now()) } : {}),
    ...(q.until ? { until: parseTimeBound(q.until, "until", ctx.now()) } : {}),
    ...(q.type ? { types: [q.type] } : {}),
    ...(q.reason ? { reasons: [q.reason] } : {}),
    ...(q.issuer ? { issuers: [q.issuer] } : {}),
    ...(q.partitionKey ? { partitionKeys: [q.partitionKey] } : {}),
  };
}

function decodeCursor(cursor: string | undefined): z.infer<typeof FailuresCursor> {
  if (!cursor) return { i: 0 };
  try {
    return FailuresCursor.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new ConfigurationError(
      "cursor is not one this console handed out",
      "start again from the first page",
    );
  }
}

/** One page of failures, newest first within each status, through the `failures` index; with status `all` the
 * statuses of FAILURE_STATUSES follow one another and the cursor says where the walk stands.
 */
export async function failures(ctx: ConsoleContext, q: z.infer<typeof FailuresQuery>) {
  const statuses: string[] = q.status === "all" ? [...FAILURE_STATUSES] : [q.status];
  const query = failureQuery(ctx, q);
  const cursor = decodeCursor(q.cursor);
  const rows: LedgerEntry[] = [];
  let i = cursor.i;
  let start: Record<string, AttributeValue> | undefined = cursor.k;
  let next: string | undefined;
  while (i < statuses.length) {
    const page = await failuresPage(ctx.clients.dynamodb, ctx.ledgerTable, statuses[i]!, query, {
      pageSize: q.pageSize - rows.length,
      ...(start ? { start } : {}),
    });
    rows.push(...page.items);
    if (page.next) {
      next = Buffer.from(JSON.stringify({ i, k: page.next })).toString("base64url");
      break;
    }
    i++;
    start = undefined;
    if (rows.length >= q.pageSize) {
      if (i < statuses.length) next = Buffer.from(JSON.stringify({ i })).toString("base64url");
      break;
    }
  }
  return { items: rows.map(failureRow), ...(next ? { next } : {}) };
}

const COUNTS_TTL_MS = 15_000;
const countsCache = new WeakMap<
  ConsoleContext,
  Map<string, { at: number; counts: Record<string, number> }>
>();

/**
 * Failures by reason in the window and filters except the reason itself (so every reason stays visible):
 * reads only the reason of each matching index item, and keeps the answer for 15 s per filter, since a
 * busy window has many items and a page that filters by reason asks again at once.
 */
export async function failureCounts(ctx: ConsoleContext, q: z.infer<typeof FailuresQuery>) {
  const statuses: string[] = q.status === "all" ? [...FAILURE_STATUSES] : [q.status];
  const { reasons: _reasons, ...withoutReason } = failureQuery(ctx, q);
  const key = JSON.stringify([statuses, q.since ?? "", q.until ?? "", q.type, q.issuer, q.partitionKey]);
  let cache = countsCache.get(ctx);
  if (!cache) countsCache.set(ctx, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && ctx.now() - hit.at < COUNTS_TTL_MS)
    return { countsByReason: hit.counts, ageSec: Math.round((ctx.now() - hit.at) / 1000) };
  const countsByReason: Record<string, number> = {};
  for (const counts of await Promise.all(
    statuses.map((s) => countFailuresByReason(ctx.clients.dynamodb, ctx.ledgerTable, s, withoutReason)),
  ))
    for (const [reason, n] of Object.entries(counts))
      countsByReason[reason] = (countsByReason[reason] ?? 0) + n;
  cache.set(key, { at: ctx.now(), counts: countsByReason });
  return { countsByReason, ageSec: 0 };
}

export async function message(ctx: ConsoleContext, q: z.infer<typeof MessageQuery>) {
  const deps: MessageReportDeps = {
    dynamodb: ctx.clients.dynamodb,
    kinesis: ctx.clients.kinesis,
    ledgerTable: ctx.ledgerTable,
    ...(ctx.streamName ? { streamName: ctx.streamName } : {}),
    verifier: ctx.verifier(),
    horizonSec: ctx.horizonSec,
  };
  const { report, found } = await messageReport(deps, q.target ?? q.pk ?? "", {
    ...(q.pk ? { pk: q.pk } : {}),
    ...(q.issuer ? { issuer: q.issuer } : {}),
  });
  const revealed = q.reveal === "1";
  if (!revealed && report.claims && typeof report.claims === "object")
    report.claims = { ...report.claims, data: maskPersonal(report.claims.data) };
  return { found, masked: !revealed, report };
}

const keyCache = new WeakMap<ConsoleContext, Map<string, KeySetDescription>>();

/** Each issuer's keys, read from its source at most once per cache period (KJP_KEYSET_CACHE_TTL_S, 300 s). */
export async function keys(ctx: ConsoleContext, q: z.infer<typeof KeysQuery>) {
  const ttlMs = Number(ctx.env.KJP_KEYSET_CACHE_TTL_S ?? 300) * 1000;
  let cache = keyCache.get(ctx);
  if (!cache) keyCache.set(ctx, (cache = new Map()));
  const now = ctx.now();
  const issuers = await Promise.all(
    ctx.issuers().map(async ({ issuer, keys: source }) => {
      const cacheKey = `${issuer}\n${source}`;
      let described = cache.get(cacheKey);
      if (!described || q.refresh === "1" || now - described.fetchedAt > ttlMs) {
        described = await describeKeySet(issuer, source, ctx.env, ctx.now);
        cache.set(cacheKey, described);
      }
      return { ...described, cacheAgeSec: Math.round((now - described.fetchedAt) / 1000) };
    }),
  );
  return { issuers };
}

function replayFilters(ctx: ConsoleContext, f: ReplayRequest["filters"]): ReplayFilters {
  return {
    ...(f.since ? { since: parseTimeBound(f.since, "since", ctx.now()) } : {}),
    ...(f.until ? { until: parseTimeBound(f.until, "until", ctx.now()) } : {}),
    ...(f.types?.length ? { types: f.types } : {}),
    ...(f.reasons?.length ? { reasons: f.reasons } : {}),
  };
}

/** Starts a replay (or a dry run) with the engine of `kjp replay`; the page polls /api/replay/:id. */
export function startReplay(ctx: ConsoleContext, body: ReplayRequest) {
  const filters = replayFilters(ctx, body.filters);
  const engine = ctx.engine();
  const source = selectSource(body.source, {
    clients: ctx.clients,
    env: ctx.env,
    ledgerTable: engine.ledgerTable,
    filters,
    ...(body.limit ? { limit: body.limit } : {}),
    ...(ctx.streamName ? { streamName: ctx.streamName } : {}),
    dryRun: body.dryRun,
  });
  return ctx.jobs.start(source, engine, { filters, dryRun: body.dryRun });
}
