import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { Command } from "commander";
import type { Verifier } from "../../lib/envelope/verify.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { MessageReport } from "../../lib/replay/message-report.js";
import { optionalSetting } from "../../lib/config/env.js";

export interface InspectCommandDeps {
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
  dynamodb: () => DynamoDBClient;
  kinesis: () => KinesisClient;
  /** The verifier of the current key set; default from KJP_AUDIENCE/KJP_ISSUERS. */
  verifier: (env: NodeJS.ProcessEnv) => Verifier;
}

interface InspectOpts {
  issuer?: string;
  stream?: string;
  table?: string;
  json: boolean;
}

/**
 * `kjp inspect JTI [--issuer ISS] | SHARD:SEQUENCE`: one message's decoded header and claims (unverified,
 * for reading), the verification outcome with the current key set (and with the replay horizon when it is
 * expired), and its ledger history. The token comes from the ledger's raw copy or, failing that, the stream.
 * Exit 0 when something was found, 1 when nothing was.
 */
export function register(program: Command, deps: Partial<InspectCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const env = deps.env ?? process.env;
  program
    .command("inspect")
    .description(
      "show one message: decoded header and claims, verification outcome with the current key set, ledger history",
    )
    .argument("<target>", "a jti, or SHARD:SEQUENCE (e.g. shardId-000000000000:49656…)")
    .option("--issuer <iss>", "with a jti: the issuer (exact look-up instead of a scan)")
    .option(
      "--stream <name>",
      "stream to read the record from when the ledger has no raw copy (default KJP_STREAM_NAME)",
    )
    .option("--table <name>", "ledger table (default KJP_LEDGER_TABLE)")
    .option("--json", "one JSON object", false)
    .action(async (target: string, opts: InspectOpts) => {
      const table = opts.table ?? optionalSetting(env, "KJP_LEDGER_TABLE");
      if (!table)
        throw new ConfigurationError("no ledger table given", "pass --table NAME or set KJP_LEDGER_TABLE");
      const streamName = opts.stream ?? optionalSetting(env, "KJP_STREAM_NAME");
      // Loaded when the command runs, not for `kjp --help` or the other commands.
      const { dynamoDbClient } = await import("../../lib/aws/dynamodb-client.js");
      const { kinesisClient } = await import("../../lib/aws/kinesis-client.js");
      const { messageReport } = await import("../../lib/replay/message-report.js");
      const { horizonFromEnv } = await import("../../lib/config/replay-config.js");
      const verifierFor = deps.verifier ?? (await defaultVerifier());
      const dynamodb = (deps.dynamodb ?? (() => dynamoDbClient()))();
      const kinesis = (deps.kinesis ?? (() => kinesisClient()))();
      try {
        const { report, found } = await messageReport(
          {
            dynamodb,
            kinesis,
            ledgerTable: table,
            ...(streamName ? { streamName } : {}),
            verifier: verifierFor(env),
            horizonSec: horizonFromEnv(env),
          },
          target,
          opts.issuer ? { issuer: opts.issuer } : {},
        );
        if (opts.json) out(`${JSON.stringify(report)}\n`);
        else out(humanReport(report));
        process.exitCode = found ? 0 : 1;
      } finally {
        dynamodb.destroy();
        kinesis.destroy();
      }
    });
}

async function defaultVerifier(): Promise<(env: NodeJS.ProcessEnv) => Verifier> {
  const { registry } = await import("../../schemas/index.js");
  const { verifierOptionsFromEnv } = await import("../../lib/config/verifier-config.js");
  const { createVerifier } = await import("../../lib/envelope/verify.js");
  return (env) => createVerifier(verifierOptionsFromEnv(env, registry));
}

function humanReport(report: MessageReport): string {
  const lines: string[] = [`${report.target}${report.position ? `  (${report.position})` : ""}`];
  const section = (title: string, value: unknown) => {
    lines.push(`${title}:`);
    lines.push(
      ...JSON.stringify(value, null, 2)
        .split("\n")
        .map((l) => `  ${l}`),
    );
  };
  if (report.tokenFrom) lines.push(`token from: ${report.tokenFrom}`);
  if (report.tokenProblem) lines.push(`token: ${report.tokenProblem}`);
  if (report.header !== undefined) section("header (unverified)", report.header);
  if (report.claims !== undefined) section("claims (unverified)", report.claims);
  if (report.verification) section("verification with the current key set", report.verification);
  if (report.verificationWithReplayHorizon)
    section("verification with the replay horizon", report.verificationWithReplayHorizon);
  const park = report.park;
  if (park)
    lines.push(
      park.parked
        ? `partition key ${JSON.stringify(park.partitionKey)}: PARKED since ${park.since}, ${park.records} record(s) held${park.thisRecord ? " (this one among them)" : ""}; drain with kjp replay --from parked --key ${JSON.stringify(park.partitionKey)}`
        : `partition key ${JSON.stringify(park.partitionKey)}: not parked`,
    );
  const ledger = report.ledger;
  if (ledger.length === 0) lines.push("ledger: nothing recorded");
  else section("ledger history", ledger);
  return `${lines.join("\n")}\n`;
}
