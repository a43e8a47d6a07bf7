import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type Command, Option } from "commander";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { LedgerEntry } from "../../lib/ledger/inspect.js";
import { parseTimeBound } from "../../lib/replay/time-window.js";
import { optionalSetting } from "../../lib/config/env.js";
import { FAILURE_COLUMNS, failureRow, formatTable, withClippedRaw } from "./ledger-rows.js";

export interface FailuresCommandDeps {
  out: (text: string) => void;
  client: () => DynamoDBClient | Promise<DynamoDBClient>;
  env: NodeJS.ProcessEnv;
  now: () => number;
  setExitCode: (code: number) => void;
}

interface FailuresOpts {
  status: "rejected" | "failed" | "parked" | "all";
  since?: string;
  until?: string;
  type?: string;
  reason?: string;
  limit: string;
  table?: string;
  json: boolean;
}

/**
 * `kjp failures`: rejected and failed ledger items (the sparse `failures` index), oldest first: time, status,
 * reason, type, jti and stream position, as a table or JSON lines. What `kjp replay --from ledger` would take.
 * Exits 1 when it lists anything (something is still rejected or failed), 0 when the list is empty.
 */
export function register(program: Command, deps: Partial<FailuresCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const env = deps.env ?? process.env;
  // A listing is interactive: a hung DynamoDB should fail it in seconds (5 s a request, 2 tries), not minutes.
  // The SDK is loaded when the command runs, not for `kjp --help` or the other commands.
  const client =
    deps.client ??
    (async () =>
      (await import("../../lib/aws/dynamodb-client.js")).dynamoDbClient({
        requestTimeoutMs: 5_000,
        maxAttempts: 2,
      }));
  const now = deps.now ?? Date.now;
  const setExitCode = deps.setExitCode ?? ((code: number) => void (process.exitCode = code));
  program
    .command("failures")
    .description(
      "list rejected/failed messages from the ledger (time, status, reason, type, jti, shard:sequence) and parked partition keys",
    )
    .addOption(
      new Option("--status <status>", "which failures (parked: the parked partition keys)")
        .choices(["rejected", "failed", "parked", "all"])
        .default("all"),
    )
    .option("--since <time>", "failed at or after: ISO-8601, or an age like 6h, 2d")
    .option("--until <time>", "failed before: ISO-8601, or an age")
    .option("--type <type>", "only this message type")
    .option("--reason <reason>", "only this reason")
    .option("--limit <n>", "at most this many per status", "200")
    .option("--table <name>", "ledger table (default: KJP_LEDGER_TABLE)")
    .option("--json", "one JSON object per line (the whole item, raw record cut to 80 characters)", false)
    .action(async (opts: FailuresOpts) => {
      const table = opts.table ?? optionalSetting(env, "KJP_LEDGER_TABLE");
      if (!table)
        throw new ConfigurationError("no ledger table given", "pass --table NAME or set KJP_LEDGER_TABLE");
      const limit = Number(opts.limit);
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw new ConfigurationError(`--limit "${opts.limit}" is not a positive integer`);
      const since = opts.since ? parseTimeBound(opts.since, "--since", now()) : undefined;
      const until = opts.until ? parseTimeBound(opts.until, "--until", now()) : undefined;
      const statuses: Array<"rejected" | "failed"> =
        opts.status === "all" ? ["rejected", "failed"] : opts.status === "parked" ? [] : [opts.status];
      const { listFailures } = await import("../../lib/ledger/inspect.js");
      const { listParkedKeys } = await import("../../lib/ledger/park-items.js");
      const c = await client();
      try {
        const items: LedgerEntry[] = [];
        for (const status of statuses)
          items.push(
            ...(await listFailures(c, table, status, {
              ...(since ? { since } : {}),
              ...(until ? { until } : {}),
              ...(opts.type ? { types: [opts.type] } : {}),
              ...(opts.reason ? { reasons: [opts.reason] } : {}),
              limit,
            })),
          );
        const kept = items.sort((a, b) => String(a.failedAt ?? "").localeCompare(String(b.failedAt ?? "")));
        const parked =
          opts.status === "all" || opts.status === "parked" ? await listParkedKeys(c, table) : [];
        if (opts.json) {
          for (const key of parked)
            out(
              `${JSON.stringify({ status: "parked", partitionKey: key.partitionKey, records: key.positions.length, parkedAt: key.parkedAt, reason: key.reason })}\n`,
            );
          for (const item of kept) out(`${JSON.stringify(withClippedRaw(item))}\n`);
        } else {
          if (opts.status !== "parked") {
            out(formatTable(kept.map(failureRow), FAILURE_COLUMNS));
            out(`${kept.length} failure(s)\n`);
          }
          if (parked.length > 0 || opts.status === "parked") {
            out(
              formatTable(
                parked.map((k) => ({
                  parkedAt: k.parkedAt,
                  partitionKey: k.partitionKey,
                  records: String(k.positions.length),
                  reason: k.reason ?? "",
                })),
                ["parkedAt", "partitionKey", "records", "reason"],
              ),
            );
            out(`${parked.length} parked key(s): drain with kjp replay --from parked [--key K]\n`);
          }
        }
        // As every runbook command: 0 nothing left to do, 1 something is still rejected or failed.
        setExitCode(kept.length > 0 || parked.length > 0 ? 1 : 0);
      } finally {
        c.destroy();
      }
    });
}
