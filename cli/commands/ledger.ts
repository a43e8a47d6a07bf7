import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Command } from "commander";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { LedgerEntry } from "../../lib/ledger/inspect.js";
import { formatTable, LEDGER_LIST_COLUMNS, failureRow, withClippedRaw } from "./ledger-rows.js";
import { optionalSetting } from "../../lib/config/env.js";

export interface LedgerCommandDeps {
  out: (text: string) => void;
  client: () => DynamoDBClient | Promise<DynamoDBClient>;
  env: NodeJS.ProcessEnv;
}

function tableName(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const name = option ?? optionalSetting(env, "KJP_LEDGER_TABLE");
  if (!name)
    throw new ConfigurationError("no ledger table given", "pass --table NAME or set KJP_LEDGER_TABLE");
  return name;
}

/** The raw record is long; show it in full only on request. */
const trim = (entry: LedgerEntry, raw: boolean) => (raw ? entry : withClippedRaw(entry));

/**
 * `kjp ledger get JTI [--issuer ISS]` (one JSON object per item; exits 1 when nothing is found) and
 * `kjp ledger list --status rejected|failed [--since ISO]` (a table, or JSON lines with --json).
 */
export function register(program: Command, deps: Partial<LedgerCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const env = deps.env ?? process.env;
  // The SDK and the ledger code are loaded when a subcommand runs, not for `kjp --help`.
  const client =
    deps.client ?? (async () => (await import("../../lib/aws/dynamodb-client.js")).dynamoDbClient());
  const ledger = program
    .command("ledger")
    .description("look inside the consumer's DynamoDB ledger (endpoint from AWS_ENDPOINT_URL_DYNAMODB)");

  ledger
    .command("get")
    .description("show the ledger item(s) of a message by jti")
    .argument("<jti>", "the message id")
    .option("--issuer <iss>", "the issuer: an exact look-up instead of a scan")
    .option("--table <name>", "ledger table (default: KJP_LEDGER_TABLE)")
    .option("--raw", "print the raw record in full", false)
    .action(async (jti: string, opts: { issuer?: string; table?: string; raw: boolean }) => {
      const { findByJti } = await import("../../lib/ledger/inspect.js");
      const c = await client();
      try {
        const items = await findByJti(c, tableName(opts.table, env), jti, opts.issuer);
        for (const item of items) out(`${JSON.stringify(trim(item, opts.raw))}\n`);
        if (items.length === 0) {
          out(`${JSON.stringify({ jti, found: false })}\n`);
          process.exitCode = 1;
        }
      } finally {
        c.destroy();
      }
    });

  ledger
    .command("list")
    .description("list rejected or failed items, oldest first (sparse index `failures`)")
    .requiredOption("--status <status>", "rejected | failed")
    .option("--since <iso>", "only items that failed at or after this ISO-8601 time")
    .option("--limit <n>", "at most this many", "100")
    .option("--table <name>", "ledger table (default: KJP_LEDGER_TABLE)")
    .option("--json", "one JSON object per line (raw record cut to 80 characters) instead of a table", false)
    .option("--raw", "with --json: print raw records in full", false)
    .action(
      async (opts: {
        status: string;
        since?: string;
        limit: string;
        table?: string;
        json: boolean;
        raw: boolean;
      }) => {
        if (opts.status !== "rejected" && opts.status !== "failed")
          throw new ConfigurationError(`--status must be rejected or failed, got "${opts.status}"`);
        if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since)))
          throw new ConfigurationError(`--since "${opts.since}" is not an ISO-8601 time`);
        const limit = Number(opts.limit);
        if (!Number.isSafeInteger(limit) || limit < 1)
          throw new ConfigurationError(`--limit "${opts.limit}" is not a positive integer`);
        const { listFailures } = await import("../../lib/ledger/inspect.js");
        const c = await client();
        try {
          const since = opts.since === undefined ? undefined : new Date(opts.since).toISOString();
          const items = await listFailures(c, tableName(opts.table, env), opts.status, {
            ...(since ? { since } : {}),
            limit,
          });
          if (opts.json) {
            for (const item of items) out(`${JSON.stringify(trim(item, opts.raw))}\n`);
          } else {
            out(formatTable(items.map(failureRow), LEDGER_LIST_COLUMNS));
            out(`${items.length} ${opts.status} item(s)\n`);
          }
        } finally {
          c.destroy();
        }
      },
    );
}
