import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  type ScanCommandOutput,
} from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { Command } from "commander";
import { registry } from "../../schemas/index.js";
import { dynamoDbClient, kinesisClient } from "../../lib/aws/clients.js";
import { verifierOptionsFromEnv } from "../../lib/config/verifier-config.js";
import type { VerifyResult } from "../../lib/envelope/types.js";
import { createVerifier, type Verifier } from "../../lib/envelope/verify.js";
import { ConfigurationError, KjpError } from "../../lib/errors/kjp-error.js";
import { fromAttributeMap } from "../../lib/ledger/attribute-values.js";
import { findByJti, type LedgerEntry } from "../../lib/ledger/inspect.js";
import { recordLedgerKey } from "../../lib/ledger/ledger-keys.js";
import { positionOf, readParkMarker } from "../../lib/ledger/park-items.js";
import { readRange } from "../../lib/replay/range-reader.js";
import { horizonFromEnv } from "../../lib/config/replay-config.js";
import { isSequenceNumber } from "../../lib/kinesis/sequence.js";
import { type TokenView, viewToken } from "../../lib/replay/token-view.js";
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

/** `shardId-000000000000:4968…` → its parts; anything else is a jti. */
export function parsePosition(target: string): { shardId: string; sequenceNumber: string } | undefined {
  const colon = target.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const shardId = target.slice(0, colon);
  const sequenceNumber = target.slice(colon + 1);
  return /^shardId-[0-9]+$/.test(shardId) && isSequenceNumber(sequenceNumber)
    ? { shardId, sequenceNumber }
    : undefined;
}

async function itemsAtPosition(
  client: DynamoDBClient,
  table: string,
  shardId: string,
  sequenceNumber: string,
): Promise<LedgerEntry[]> {
  const found = new Map<string, LedgerEntry>();
  const direct = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: recordLedgerKey(shardId, sequenceNumber) } },
      ConsistentRead: true,
    }),
  );
  if (direct.Item) found.set(String(direct.Item.pk?.S), fromAttributeMap(direct.Item));
  // A verified message is keyed by (iss, jti): find it by the position it records (an operator's scan).
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out: ScanCommandOutput = await client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: "shardId = :s AND sequenceNumber = :q",
        ExpressionAttributeValues: { ":s": { S: shardId }, ":q": { S: sequenceNumber } },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) found.set(String(item.pk?.S), fromAttributeMap(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return [...found.values()];
}

/** What the verifier says now, as one line; a key set that cannot be reached is said so, not thrown. */
async function outcome(
  verifier: Verifier,
  token: string,
  expGraceSec?: number,
): Promise<Record<string, unknown>> {
  let result: VerifyResult;
  try {
    result = await verifier.verify(token, expGraceSec === undefined ? {} : { expGraceSec });
  } catch (error) {
    return { outcome: "unavailable", detail: error instanceof KjpError ? error.message : String(error) };
  }
  if (result.ok) return { outcome: "accepted", type: result.message.type, v: result.message.v };
  return {
    outcome: "rejected",
    reason: result.rejection.reason,
    detail: result.rejection.detail,
    ...(result.rejection.issues ? { issues: result.rejection.issues } : {}),
  };
}

const history = (items: LedgerEntry[]) =>
  items.map((i) => {
    const keep = [
      "pk",
      "status",
      "reason",
      "detail",
      "attempts",
      "failedAt",
      "processedAt",
      "resolvedAt",
      "resolvedBy",
      "reopenedAt",
      "updatedAt",
      "shardId",
      "sequenceNumber",
      "partitionKey",
    ];
    return Object.fromEntries(keep.filter((k) => i[k] !== undefined).map((k) => [k, i[k]]));
  });

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
      const dynamodb = (deps.dynamodb ?? (() => dynamoDbClient()))();
      const kinesis = (deps.kinesis ?? (() => kinesisClient()))();
      try {
        const position = parsePosition(target);
        const items = position
          ? await itemsAtPosition(dynamodb, table, position.shardId, position.sequenceNumber)
          : await findByJti(dynamodb, table, target, opts.issuer);
        let token: string | undefined;
        let tokenFrom: string | undefined;
        const withRaw = items.find(
          (i) => typeof i.raw === "string" && i.raw !== "" && i.rawTruncated !== true,
        );
        if (withRaw) {
          token = Buffer.from(String(withRaw.raw), "base64").toString("latin1");
          tokenFrom = `ledger ${String(withRaw.pk)}`;
        }
        const at =
          position ??
          (items[0]?.shardId
            ? { shardId: String(items[0].shardId), sequenceNumber: String(items[0].sequenceNumber) }
            : undefined);
        let streamProblem: string | undefined;
        if (!token && at && streamName) {
          const read = await readRange(kinesis, {
            streamName,
            shardId: at.shardId,
            startSequenceNumber: at.sequenceNumber,
            endSequenceNumber: at.sequenceNumber,
          });
          const record = read.records.find((r) => r.sequenceNumber === at.sequenceNumber);
          if (record) {
            token = Buffer.from(record.data, "base64").toString("latin1");
            tokenFrom = `stream ${streamName}`;
          } else if (!read.ok) streamProblem = `${read.unrecoverable.code}: ${read.unrecoverable.detail}`;
        }
        const report: Record<string, unknown> = {
          target,
          ...(at ? { position: `${at.shardId}:${at.sequenceNumber}` } : {}),
          ledger: history(items),
        };
        // Whether the record's partition key is parked (its later records wait behind the park).
        const partitionKey = items.find((i) => typeof i.partitionKey === "string")?.partitionKey as
          string | undefined;
        if (partitionKey !== undefined) {
          const marker = await readParkMarker(dynamodb, table, partitionKey);
          report.park = marker
            ? {
                partitionKey,
                parked: true,
                since: marker.parkedAt,
                records: marker.positions.length,
                ...(marker.reason ? { reason: marker.reason } : {}),
                ...(at
                  ? { thisRecord: marker.positions.includes(positionOf(at.shardId, at.sequenceNumber)) }
                  : {}),
              }
            : { partitionKey, parked: false };
        }
        if (token) {
          const view: TokenView = viewToken(token);
          report.tokenFrom = tokenFrom;
          report.header = view.header ?? null;
          report.claims = view.claims ?? null;
          if (view.problem) report.tokenProblem = view.problem;
          const verifier = (deps.verifier ?? ((e) => createVerifier(verifierOptionsFromEnv(e, registry))))(
            env,
          );
          const now = await outcome(verifier, token);
          report.verification = now;
          if (now.reason === "expired")
            report.verificationWithReplayHorizon = await outcome(verifier, token, horizonFromEnv(env));
        } else {
          report.token = null;
          report.tokenProblem =
            streamProblem ??
            (streamName
              ? "the record is not in the stream"
              : "no raw copy in the ledger; pass --stream to read it from the stream");
        }
        if (opts.json) out(`${JSON.stringify(report)}\n`);
        else out(humanReport(report));
        process.exitCode = items.length > 0 || token ? 0 : 1;
      } finally {
        dynamodb.destroy();
        kinesis.destroy();
      }
    });
}

function humanReport(report: Record<string, unknown>): string {
  const lines: string[] = [
    `${report.target as string}${report.position ? `  (${report.position as string})` : ""}`,
  ];
  const section = (title: string, value: unknown) => {
    lines.push(`${title}:`);
    lines.push(
      ...JSON.stringify(value, null, 2)
        .split("\n")
        .map((l) => `  ${l}`),
    );
  };
  if (report.tokenFrom) lines.push(`token from: ${report.tokenFrom as string}`);
  if (report.tokenProblem) lines.push(`token: ${report.tokenProblem as string}`);
  if (report.header !== undefined) section("header (unverified)", report.header);
  if (report.claims !== undefined) section("claims (unverified)", report.claims);
  if (report.verification) section("verification with the current key set", report.verification);
  if (report.verificationWithReplayHorizon)
    section("verification with the replay horizon", report.verificationWithReplayHorizon);
  const park = report.park as
    | { partitionKey: string; parked: boolean; since?: string; records?: number; thisRecord?: boolean }
    | undefined;
  if (park)
    lines.push(
      park.parked
        ? `partition key ${JSON.stringify(park.partitionKey)}: PARKED since ${park.since}, ${park.records} record(s) held${park.thisRecord ? " (this one among them)" : ""}; drain with kjp replay --from parked --key ${JSON.stringify(park.partitionKey)}`
        : `partition key ${JSON.stringify(park.partitionKey)}: not parked`,
    );
  const ledger = report.ledger as unknown[];
  if (ledger.length === 0) lines.push("ledger: nothing recorded");
  else section("ledger history", ledger);
  return `${lines.join("\n")}\n`;
}
