import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type Command, Option } from "commander";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { ReplayEngineDeps, ReplayResult } from "../../lib/replay/engine.js";
import { optionalSetting, parseDuration } from "../../lib/config/env.js";
import { horizonFromEnv } from "../../lib/config/replay-config.js";
import { formatSummaryTable, nothingLeftFailed } from "../../lib/replay/summary.js";
import type { ParkedDrainResult } from "../../lib/replay/parked-drain.js";
import { parseTimeBound } from "../../lib/replay/time-window.js";
import type { ReplayFilters, ReplayProgress } from "../../lib/replay/types.js";
import type { SourceSelection } from "../../lib/replay/source-selection.js";

export interface ReplayCommandDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress bar). */
  isTTY: boolean;
  /** The pipeline replay runs through; default: the consumer's, from the environment. */
  engineDeps: (env: NodeJS.ProcessEnv, dynamodb: DynamoDBClient, horizonSec: number) => ReplayEngineDeps;
  now: () => number;
}

interface ReplayOpts {
  from: "ledger" | "onfailure" | "cloudwatch" | "parked";
  key: string[];
  queueUrl?: string;
  bucket?: string;
  prefix?: string;
  deleteReplayed: boolean;
  logGroup?: string;
  stream?: string;
  since?: string;
  until?: string;
  type: string[];
  reason: string[];
  status?: "rejected" | "failed";
  horizon?: string;
  limit?: string;
  visibilityTimeout: string;
  dryRun: boolean;
  json: boolean;
}

const collect = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean),
];

/** The replay's report for --json: the summary and one line per candidate. */
export function replayReport(result: ReplayResult): unknown {
  return {
    summary: result.summary,
    candidates: result.candidates.map((c) => ({
      id: c.candidate.id,
      provenance: c.candidate.provenance,
      state: c.state,
      acknowledged: c.acknowledged,
      records: c.candidate.records.length,
      ...(c.candidate.range ? { range: c.candidate.range } : {}),
      ...(c.candidate.unrecoverable ? { unrecoverable: c.candidate.unrecoverable } : {}),
      outcomes: c.outcomes.map((o) =>
        o.status === "rejected"
          ? `rejected:${o.reason}`
          : o.status === "failed"
            ? `failed:${o.code}`
            : o.status,
      ),
    })),
  };
}

/**
 * `kjp replay --from parked|ledger|onfailure|cloudwatch`: drains parked keys (lib/replay/parked-drain.ts) or
 * replays captured failures through the consumer's pipeline (same verification, the exp window widened only by
 * the replay horizon; duplicates skipped through the ledger; a record of a parked key goes behind its park).
 * Exit 0 when done (permanent rejections are done), 1 when something still fails, is unrecoverable or a key
 * stays held, 2 on a usage or configuration problem.
 */
export function register(program: Command, deps: Partial<ReplayCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const err = deps.err ?? ((text: string) => void process.stderr.write(text));
  const env = deps.env ?? process.env;
  const now = deps.now ?? Date.now;
  program
    .command("replay")
    .description(
      "drain parked partition keys in order (--from parked), or replay failed records through the consumer pipeline " +
        "from the ledger, the on-failure destination (SQS or S3) or the consumer's CloudWatch Logs; exit 0 when done " +
        "(records rejected for a permanent reason included), 1 when something still fails or is unrecoverable, 2 on a usage error",
    )
    .addOption(
      new Option("--from <source>", "where the failures were captured")
        .choices(["ledger", "onfailure", "cloudwatch", "parked"])
        .makeOptionMandatory(),
    )
    .option(
      "--key <keys>",
      "parked: only these partition keys (comma-separated, repeatable; default every parked key)",
      collect,
      [],
    )
    .option(
      "--queue-url <url>",
      "onfailure: the on-failure SQS queue (default: KJP_ONFAILURE_QUEUE_URL when KJP_ONFAILURE_DESTINATION=sqs)",
    )
    .option(
      "--bucket <name>",
      "onfailure: an S3 on-failure bucket (default: KJP_ONFAILURE_BUCKET when KJP_ONFAILURE_DESTINATION=s3)",
    )
    .option("--prefix <prefix>", "onfailure with --bucket: object key prefix", "aws/lambda/")
    .option(
      "--delete-replayed",
      "onfailure with --bucket: delete each object once its records replayed",
      false,
    )
    .option(
      "--log-group <name>",
      "cloudwatch: the consumer's log group, e.g. /aws/lambda/kinesis-jwt-pipeline-prod-consumer",
    )
    .option(
      "--stream <name>",
      "stream to re-read records from (default KJP_STREAM_NAME): ledger uses it for the records a transient failure left unfinished; cloudwatch only for log lines without a complete record",
    )
    .option("--since <time>", "only failures captured at or after this time: ISO-8601, or an age like 6h, 2d")
    .option("--until <time>", "only failures captured before this time: ISO-8601, or an age")
    .option("--type <types>", "only these message types (comma-separated, repeatable)", collect, [])
    .option(
      "--reason <reasons>",
      "only these reasons: rejection reasons, transient codes, or on-failure conditions (comma-separated, repeatable)",
      collect,
      [],
    )
    .addOption(
      new Option("--status <status>", "ledger: only rejected or only failed items").choices([
        "rejected",
        "failed",
      ]),
    )
    .option(
      "--horizon <duration>",
      "replay horizon: accept tokens this long past exp (default KJP_REPLAY_HORIZON or 7d)",
    )
    .option("--limit <n>", "at most this many captured failures")
    .option(
      "--visibility-timeout <seconds>",
      "onfailure (SQS): how long received messages stay hidden while replaying",
      "900",
    )
    .option("--dry-run", "read and verify only: write nothing, delete nothing", false)
    .option("--json", "print the report as JSON (no progress bar)", false)
    .action(async (opts: ReplayOpts) => {
      const filters: ReplayFilters = {
        ...(opts.since ? { since: parseTimeBound(opts.since, "--since", now()) } : {}),
        ...(opts.until ? { until: parseTimeBound(opts.until, "--until", now()) } : {}),
        ...(opts.type.length ? { types: opts.type } : {}),
        ...(opts.reason.length ? { reasons: opts.reason } : {}),
      };
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1))
        throw new ConfigurationError(`--limit "${opts.limit}" is not a positive integer`);
      const visibility = Number(opts.visibilityTimeout);
      if (!Number.isSafeInteger(visibility) || visibility < 0 || visibility > 43_200)
        throw new ConfigurationError(
          `--visibility-timeout "${opts.visibilityTimeout}" must be 0 to 43200 seconds`,
        );
      const horizonSec = opts.horizon ? parseDuration(opts.horizon, "--horizon", 0) : horizonFromEnv(env);
      const streamName = opts.stream ?? optionalSetting(env, "KJP_STREAM_NAME");

      // (--from parked drains the parks instead of reading a source: it takes none of this.)
      const selection: SourceSelection =
        opts.from === "ledger"
          ? { from: "ledger", ...(opts.status ? { status: opts.status } : {}) }
          : opts.from === "onfailure"
            ? {
                from: "onfailure",
                ...(opts.queueUrl ? { queueUrl: opts.queueUrl } : {}),
                ...(opts.bucket ? { bucket: opts.bucket } : {}),
                prefix: opts.prefix ?? "",
                deleteReplayed: opts.deleteReplayed,
                visibilityTimeoutSec: visibility,
              }
            : { from: "cloudwatch", ...(opts.logGroup ? { logGroup: opts.logGroup } : {}) };

      // The SDK and the replay engine are loaded when the command runs, not for `kjp --help`; of the SDK, only
      // the clients this source reads with (the engine writes with DynamoDB).
      const [{ loadClients }, { clientsFor, selectSource }] = await Promise.all([
        import("../../lib/aws/load-clients.js"),
        import("../../lib/replay/source-selection.js"),
      ]);
      const { replayEngineDepsFromEnv } = await import("../../handlers/wiring/replay-engine.js");
      const aws = await loadClients([
        "dynamodb",
        ...(opts.from === "parked"
          ? []
          : clientsFor(selection, { env, ...(streamName ? { streamName } : {}) })),
      ]);
      const { dynamodb } = aws.clients;
      try {
        const engineDeps = (
          deps.engineDeps ?? ((e, d, h) => replayEngineDepsFromEnv(e, d, { horizonSec: h }))
        )(env, dynamodb, horizonSec);
        if (opts.from === "parked") {
          const { drainParkedKeys } = await import("../../lib/replay/parked-drain.js");
          const drained = await drainParkedKeys(engineDeps, {
            dryRun: opts.dryRun,
            ...(opts.key.length ? { keys: opts.key } : {}),
          });
          printParkedDrain(drained, opts, horizonSec, out, err);
          // Done (0) when every key was released; 1 when a key stays held by a record that still fails.
          process.exitCode =
            !opts.dryRun && drained.keys.some((k) => k.state === "held")
              ? 1
              : nothingLeftFailed(drained.summary)
                ? 0
                : 1;
          return;
        }
        const { runReplay } = await import("../../lib/replay/engine.js");
        const source = selectSource(selection, {
          clients: aws.clients,
          env,
          ledgerTable: engineDeps.ledgerTable,
          filters,
          ...(limit ? { limit } : {}),
          ...(streamName ? { streamName } : {}),
          streamGiven: opts.stream !== undefined,
          dryRun: opts.dryRun,
        });

        const showBar = !opts.json && (deps.isTTY ?? process.stderr.isTTY === true);
        const cliProgress = showBar ? (await import("cli-progress")).default : undefined;
        const bar = cliProgress
          ? new cliProgress.SingleBar(
              {
                format: " {phase} [{bar}] {value}/{total} records",
                stream: process.stderr,
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
        let started = false;
        const onProgress = (p: ReplayProgress) => {
          if (!bar) return;
          if (p.phase === "collect") return;
          if (!started) {
            bar.start(p.total, p.done, { phase: opts.dryRun ? "dry run" : "replaying" });
            started = true;
          } else bar.update(p.done);
        };
        let result: ReplayResult;
        try {
          result = await runReplay(source, engineDeps, { filters, dryRun: opts.dryRun, onProgress });
        } finally {
          bar?.stop();
        }
        if (opts.json) out(`${JSON.stringify(replayReport(result))}\n`);
        else {
          out(
            `kjp replay --from ${opts.from}${opts.dryRun ? " (dry run: nothing written)" : ""}, horizon ${horizonSec} s\n`,
          );
          out(formatSummaryTable(result.summary));
          const failing = result.candidates.filter((c) => c.state === "failed");
          if (failing.length > 0)
            err(
              `${failing.length} candidate(s) still failing: ${failing
                .slice(0, 10)
                .map((c) => c.candidate.id)
                .join(", ")}${failing.length > 10 ? ", …" : ""}\n`,
            );
        }
        process.exitCode = nothingLeftFailed(result.summary) ? 0 : 1;
      } finally {
        aws.destroy();
      }
    });
}

function printParkedDrain(
  result: ParkedDrainResult,
  opts: ReplayOpts,
  horizonSec: number,
  out: (text: string) => void,
  err: (text: string) => void,
): void {
  if (opts.json) {
    out(`${JSON.stringify({ summary: result.summary, keys: result.keys })}\n`);
    return;
  }
  out(
    `kjp replay --from parked${opts.dryRun ? " (dry run: nothing written)" : ""}, horizon ${horizonSec} s\n`,
  );
  out(formatSummaryTable(result.summary));
  if (result.keys.length === 0) out("no parked keys\n");
  for (const k of result.keys) {
    const why =
      k.stoppedAt && k.stoppedAt.outcome.status === "failed"
        ? `: record ${k.stoppedAt.sequenceNumber} failed again (${k.stoppedAt.outcome.code}: ${k.stoppedAt.outcome.detail})`
        : "";
    const line = `key ${JSON.stringify(k.partitionKey)}: ${k.state}, ${k.drained} drained, ${k.remaining} still parked${why}\n`;
    (k.state === "held" && !opts.dryRun ? err : out)(line);
  }
}
