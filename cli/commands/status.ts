import type { Command } from "commander";
import { optionalSetting } from "../../lib/config/env.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { PendingReport } from "../../lib/replay/pending.js";

export interface StatusCommandDeps {
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
  now: () => number;
}

interface StatusOpts {
  table?: string;
  queueUrl?: string;
  stream?: string;
  caughtUpMs: string;
  json: boolean;
}

export function formatPending(report: PendingReport, caughtUpMs: number): string {
  const p = report.parked;
  const lines = [
    `parked keys           ${p.parkedKeys}${p.parkedKeys ? ` (${p.parkedRecords} records, oldest parked ${p.oldestParkedAgeSeconds} s ago)` : ""}`,
    ...p.keys
      .slice(0, 10)
      .map(
        (k) =>
          `  ${JSON.stringify(k.partitionKey)}: ${k.records} since ${k.parkedAt}${k.reason ? ` (${k.reason})` : ""}`,
      ),
    `failed ledger items   ${report.failedLedgerItems}`,
    `on-failure queue      ${report.onFailureDepth}`,
    `stream iterator age   ${report.iteratorAgeMs === "unknown" ? "unknown" : `${report.iteratorAgeMs} ms`} (caught up at ≤ ${caughtUpMs} ms)`,
    ...report.notes.map((n) => `note: ${n}`),
    report.nothingPending
      ? "nothing pending"
      : "PENDING: see docs/operations.md (parked keys: kjp replay --from parked; failed items: --from ledger; queue: --from onfailure)",
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `kjp status`: whether anything is pending anywhere — parked keys, failed ledger items, the on-failure
 * destination's depth, the stream's iterator age. Exit 0 only when every figure was read and shows nothing
 * pending; 1 otherwise (something pending, or a figure could not be read).
 */
export function register(program: Command, deps: Partial<StatusCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const env = deps.env ?? process.env;
  const now = deps.now ?? Date.now;
  program
    .command("status")
    .description(
      "is anything pending? parked keys, failed ledger items, on-failure queue depth, stream iterator age; exit 0 only when nothing is",
    )
    .option("--table <name>", "ledger table (default KJP_LEDGER_TABLE)")
    .option("--queue-url <url>", "on-failure SQS queue (default KJP_ONFAILURE_QUEUE_URL)")
    .option("--stream <name>", "stream whose iterator age to read (default KJP_STREAM_NAME)")
    .option("--caught-up-ms <ms>", "iterator age that still counts as caught up", "60000")
    .option("--json", "one JSON object", false)
    .action(async (opts: StatusOpts) => {
      const table = opts.table ?? optionalSetting(env, "KJP_LEDGER_TABLE");
      if (!table)
        throw new ConfigurationError("no ledger table given", "pass --table NAME or set KJP_LEDGER_TABLE");
      const caughtUpMs = Number(opts.caughtUpMs);
      if (!Number.isSafeInteger(caughtUpMs) || caughtUpMs < 0)
        throw new ConfigurationError(`--caught-up-ms "${opts.caughtUpMs}" is not a whole number of ms`);
      const queueUrl = opts.queueUrl ?? optionalSetting(env, "KJP_ONFAILURE_QUEUE_URL");
      const streamName = opts.stream ?? optionalSetting(env, "KJP_STREAM_NAME");
      // Loaded when the command runs, not for `kjp --help` or the other commands.
      const { CloudWatchClient } = await import("@aws-sdk/client-cloudwatch");
      const { clientSettings } = await import("../../lib/aws/client-settings.js");
      const { dynamoDbClient } = await import("../../lib/aws/dynamodb-client.js");
      const { sqsClient } = await import("../../lib/aws/sqs-client.js");
      const { readPending } = await import("../../lib/replay/pending.js");
      const dynamodb = dynamoDbClient();
      const sqs = sqsClient();
      const cloudwatch = new CloudWatchClient(clientSettings({}, "CLOUDWATCH"));
      try {
        const report = await readPending({
          dynamodb,
          ledgerTable: table,
          sqs,
          ...(queueUrl ? { queueUrl } : {}),
          cloudwatch,
          ...(streamName ? { streamName } : {}),
          caughtUpMs,
          now: now(),
        });
        out(opts.json ? `${JSON.stringify(report)}\n` : formatPending(report, caughtUpMs));
        process.exitCode = report.nothingPending ? 0 : 1;
      } finally {
        dynamodb.destroy();
        sqs.destroy();
        cloudwatch.destroy();
      }
    });
}
