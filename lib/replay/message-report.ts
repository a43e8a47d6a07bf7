import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  type ScanCommandOutput,
} from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { VerifyResult } from "../envelope/types.js";
import type { Verifier } from "../envelope/verify.js";
import { KjpError } from "../errors/kjp-error.js";
import { fromAttributeMap } from "../ledger/attribute-values.js";
import { findByJti, type LedgerEntry } from "../ledger/inspect.js";
import { messageLedgerKey, recordLedgerKey } from "../ledger/ledger-keys.js";
import { positionOf, readParkMarker } from "../ledger/park-items.js";
import { isSequenceNumber } from "../kinesis/sequence.js";
import { readRange } from "./range-reader.js";
import { viewToken } from "./token-view.js";

/**
 * One message as an operator looks at it (`kjp inspect`, the console's Message page): decoded header and claims
 * (unverified, for reading), what the verifier says about it now with today's keys (and with the replay horizon
 * when it is only expired), its ledger history, and whether its partition key is parked. The token comes from
 * the ledger's raw copy or, failing that, from the stream.
 */
export interface MessageReport {
  target: string;
  position?: string;
  ledger: Array<Record<string, unknown>>;
  /** Present when the ledger knows the record's partition key. */
  park?: ParkSection;
  tokenFrom?: string;
  header?: Record<string, unknown> | null;
  claims?: Record<string, unknown> | null;
  tokenProblem?: string;
  token?: null;
  verification?: VerificationNow;
  verificationWithReplayHorizon?: VerificationNow;
}

/** Whether the record's partition key is parked: its later records wait behind the park until it is drained. */
export type ParkSection =
  | { partitionKey: string; parked: false }
  | {
      partitionKey: string;
      parked: true;
      since: string;
      records: number;
      reason?: string;
      /** Whether this record is among the parked ones (known when the report has a stream position). */
      thisRecord?: boolean;
    };

export type VerificationNow =
  | { outcome: "accepted"; type: string; v: number }
  | {
      outcome: "rejected";
      reason: string;
      detail: string;
      issues?: ReadonlyArray<{ path: string; message: string }>;
    }
  | { outcome: "unavailable"; detail: string };

export interface MessageReportDeps {
  dynamodb: DynamoDBClient;
  kinesis: KinesisClient;
  ledgerTable: string;
  /** Where to read the record when the ledger has no raw copy. */
  streamName?: string;
  verifier: Verifier;
  horizonSec: number;
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

/** What the verifier says now; a key set that cannot be reached is said so, not thrown. */
export async function verifyNow(
  verifier: Verifier,
  token: string,
  expGraceSec?: number,
): Promise<VerificationNow> {
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

const HISTORY_FIELDS = [
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

/** The ledger items as history entries: their bookkeeping fields, never the raw record. */
export const ledgerHistory = (items: LedgerEntry[]): Array<Record<string, unknown>> =>
  items.map((i) =>
    Object.fromEntries(HISTORY_FIELDS.filter((k) => i[k] !== undefined).map((k) => [k, i[k]])),
  );

/**
 * A ledger item by its key, and for a record rejected before its identity was trusted (`rec#…`) or a parked
 * record (`parked#…`) also the message item its claims name, if there is one: GetItems only.
 */
async function itemsByLedgerKey(client: DynamoDBClient, table: string, pk: string): Promise<LedgerEntry[]> {
  const get = async (key: string) => {
    const out = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    return out.Item ? fromAttributeMap(out.Item) : undefined;
  };
  const item = await get(pk);
  if (!item) return [];
  const { iss, jti } = item;
  // A rejected record, or a parked one, may have a message item under its claimed identity (a failed
  // attempt, or replay's later success): its history belongs to the same message.
  const message =
    (pk.startsWith("rec#") || pk.startsWith("parked#")) && typeof iss === "string" && typeof jti === "string"
      ? await get(messageLedgerKey(iss, jti))
      : undefined;
  return message ? [item, message] : [item];
}

/**
 * The report for a jti (with the issuer: one GetItem; without: an operator's scan for the jti), a stream
 * position (a GetItem and a scan), or a ledger key (`{ pk }`: GetItems only, what the console links use).
 * `found` says whether the ledger or the stream knew anything about it.
 */
export async function messageReport(
  deps: MessageReportDeps,
  target: string,
  lookup: { issuer?: string; pk?: string } = {},
): Promise<{ report: MessageReport; found: boolean }> {
  const { dynamodb, ledgerTable: table, streamName } = deps;
  const position = lookup.pk ? undefined : parsePosition(target);
  const items = lookup.pk
    ? await itemsByLedgerKey(dynamodb, table, lookup.pk)
    : position
      ? await itemsAtPosition(dynamodb, table, position.shardId, position.sequenceNumber)
      : await findByJti(dynamodb, table, target, lookup.issuer);
  let token: string | undefined;
  let tokenFrom: string | undefined;
  const withRaw = items.find((i) => typeof i.raw === "string" && i.raw !== "" && i.rawTruncated !== true);
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
    const read = await readRange(deps.kinesis, {
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
  const report: MessageReport = {
    target,
    ...(at ? { position: `${at.shardId}:${at.sequenceNumber}` } : {}),
    ledger: ledgerHistory(items),
  };
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
          ...(at ? { thisRecord: marker.positions.includes(positionOf(at.shardId, at.sequenceNumber)) } : {}),
        }
      : { partitionKey, parked: false };
  }
  if (token) {
    const view = viewToken(token);
    report.tokenFrom = tokenFrom!;
    report.header = view.header ?? null;
    report.claims = view.claims ?? null;
    if (view.problem) report.tokenProblem = view.problem;
    const now = await verifyNow(deps.verifier, token);
    report.verification = now;
    if (now.outcome === "rejected" && now.reason === "expired")
      report.verificationWithReplayHorizon = await verifyNow(deps.verifier, token, deps.horizonSec);
  } else {
    report.token = null;
    report.tokenProblem =
      streamProblem ??
      (streamName
        ? "the record is not in the stream"
        : "no raw copy in the ledger; pass --stream to read it from the stream");
  }
  return { report, found: items.length > 0 || token !== undefined };
}
