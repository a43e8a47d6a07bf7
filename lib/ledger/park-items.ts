import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { compareSequenceNumbers } from "../kinesis/sequence.js";
import { FAILURES_INDEX } from "./ledger-items.js";

/**
 * Parking, in the ledger table (no table of its own, so every stage already has it):
 * - a park marker per partition key, `park#<partitionKey>`, holding the set of parked positions
 *   (`<shardId>/<sequenceNumber>`) and listed by the `failures` index under failureStatus `parked`;
 * - a parked item per record, `parked#<shardId>#<sequenceNumber>`, holding its raw bytes (base64) and why;
 * - an attempt counter per record position, `attempts#<shardId>#<sequenceNumber>`, counting the invocations
 *   in which that record failed transiently (Lambda's own retry count is not visible to the function).
 *
 * Writing order is the whole protocol: a parked item is written before its position joins the marker, and a
 * drain removes a position only after its record finished, then deletes the marker only if no position is
 * left (a condition, so a record parked meanwhile keeps the key held). A key is parked exactly while its
 * marker exists.
 */
export const parkMarkerKey = (partitionKey: string): string => `park#${partitionKey}`;
export const parkedItemKey = (shardId: string, sequenceNumber: string): string =>
  `parked#${shardId}#${sequenceNumber}`;
export const attemptCounterKey = (shardId: string, sequenceNumber: string): string =>
  `attempts#${shardId}#${sequenceNumber}`;

/** failureStatus of park markers: `kjp failures`, `kjp status` and the drain list parked keys by it. */
export const PARKED_FAILURE_STATUS = "parked";
export const PARK_MARKER_STATUS = "parked_key";

/** A parked position as kept in the marker's set. Shard ids never contain "/" (shardId-000000000001). */
export const positionOf = (shardId: string, sequenceNumber: string): string => `${shardId}/${sequenceNumber}`;
export function parsePosition(position: string): { shardId: string; sequenceNumber: string } {
  const slash = position.lastIndexOf("/");
  return { shardId: position.slice(0, slash), sequenceNumber: position.slice(slash + 1) };
}

/** Parked positions in the order they must be applied: by sequence number (a key lives on one shard at a time). */
export function sortPositions(positions: Iterable<string>): string[] {
  return [...positions].sort((a, b) => {
    const x = parsePosition(a);
    const y = parsePosition(b);
    return compareSequenceNumbers(x.sequenceNumber, y.sequenceNumber) || (x.shardId < y.shardId ? -1 : 1);
  });
}

export interface ParkedRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** The record's data as Kinesis delivered it (base64), whole. */
  data: string;
  arrivedAt?: number;
  reason: string;
  detail: string;
  parkedAt: string;
  iss?: string;
  jti?: string;
}

export interface ParkMarker {
  partitionKey: string;
  positions: string[];
  parkedAt: string;
  reason?: string;
}

const s = (v: string): AttributeValue => ({ S: v });

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as Error)?.name === "ConditionalCheckFailedException"
  );
}

/**
 * Counts one more failed invocation of the record at this position and returns the count. Throws when
 * DynamoDB cannot be written: then nothing is counted and nothing may be parked (the shard waits).
 */
export async function countFailedAttempt(
  client: DynamoDBClient,
  tableName: string,
  position: { shardId: string; sequenceNumber: string },
  now: number,
  ttlSeconds: number,
): Promise<number> {
  const out = await client.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: s(attemptCounterKey(position.shardId, position.sequenceNumber)) },
      UpdateExpression:
        "ADD #attempts :one SET #first = if_not_exists(#first, :now), #ttl = :ttl, #status = :status",
      ExpressionAttributeNames: {
        "#attempts": "attempts",
        "#first": "firstFailedAt",
        "#ttl": "ttl",
        "#status": "status",
      },
      ExpressionAttributeValues: {
        ":one": { N: "1" },
        ":now": s(new Date(now).toISOString()),
        ":ttl": { N: String(Math.floor(now / 1000) + ttlSeconds) },
        ":status": s("attempts"),
      },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return Number(out.Attributes?.attempts?.N ?? "1");
}

/** Writes one parked record (idempotent: the same position parked twice is the same item). */
export async function putParkedRecord(
  client: DynamoDBClient,
  tableName: string,
  record: ParkedRecord,
): Promise<void> {
  const item: Record<string, AttributeValue> = {
    pk: s(parkedItemKey(record.shardId, record.sequenceNumber)),
    status: s("parked"),
    shardId: s(record.shardId),
    sequenceNumber: s(record.sequenceNumber),
    partitionKey: s(record.partitionKey),
    raw: s(record.data),
    reason: s(record.reason),
    detail: s(record.detail.slice(0, 1000) || "-"),
    parkedAt: s(record.parkedAt),
  };
  if (record.arrivedAt !== undefined) item.arrivedAt = { N: String(record.arrivedAt) };
  if (record.iss) item.iss = s(record.iss);
  if (record.jti) item.jti = s(record.jti);
  await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
}

/**
 * Adds parked positions to a key's marker, creating it (the key becomes parked) if absent. Call only after
 * the parked items of these positions are written.
 */
export async function addToPark(
  client: DynamoDBClient,
  tableName: string,
  partitionKey: string,
  positions: string[],
  reason: string,
  now: number,
): Promise<void> {
  const at = new Date(now).toISOString();
  await client.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: s(parkMarkerKey(partitionKey)) },
      UpdateExpression:
        "ADD #positions :positions SET #status = :status, #fs = :fs, #key = :key, #updatedAt = :at, " +
        "#failedAt = if_not_exists(#failedAt, :at), #parkedAt = if_not_exists(#parkedAt, :at), " +
        "#reason = if_not_exists(#reason, :reason)",
      ExpressionAttributeNames: {
        "#positions": "positions",
        "#status": "status",
        "#fs": "failureStatus",
        "#key": "partitionKey",
        "#updatedAt": "updatedAt",
        "#failedAt": "failedAt",
        "#parkedAt": "parkedAt",
        "#reason": "reason",
      },
      ExpressionAttributeValues: {
        ":positions": { SS: positions },
        ":status": s(PARK_MARKER_STATUS),
        ":fs": s(PARKED_FAILURE_STATUS),
        ":key": s(partitionKey),
        ":at": s(at),
        ":reason": s(reason),
      },
    }),
  );
}

function markerFrom(item: Record<string, AttributeValue>): ParkMarker {
  const marker: ParkMarker = {
    partitionKey: item.partitionKey?.S ?? "",
    positions: sortPositions(item.positions?.SS ?? []),
    parkedAt: item.parkedAt?.S ?? item.failedAt?.S ?? "",
  };
  if (item.reason?.S) marker.reason = item.reason.S;
  return marker;
}

/** A key's park marker, read strongly consistent (what the drain decides on), or undefined if not parked. */
export async function readParkMarker(
  client: DynamoDBClient,
  tableName: string,
  partitionKey: string,
): Promise<ParkMarker | undefined> {
  const out = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { pk: s(parkMarkerKey(partitionKey)) },
      ConsistentRead: true,
    }),
  );
  return out.Item ? markerFrom(out.Item) : undefined;
}

/** Every parked key, oldest park first (the index is eventually consistent: a listing, not a decision). */
export async function listParkedKeys(client: DynamoDBClient, tableName: string): Promise<ParkMarker[]> {
  const markers: ParkMarker[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: FAILURES_INDEX,
        KeyConditionExpression: "#fs = :fs",
        ExpressionAttributeNames: { "#fs": "failureStatus" },
        ExpressionAttributeValues: { ":fs": s(PARKED_FAILURE_STATUS) },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of out.Items ?? []) markers.push(markerFrom(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return markers;
}

/** The parked records at these positions, in the given order; a position whose item is missing is skipped. */
export async function readParkedRecords(
  client: DynamoDBClient,
  tableName: string,
  positions: string[],
): Promise<Map<string, ParkedRecord>> {
  const found = new Map<string, ParkedRecord>();
  for (let i = 0; i < positions.length; i += 100) {
    let keys: Record<string, AttributeValue>[] | undefined = positions.slice(i, i + 100).map((p) => {
      const { shardId, sequenceNumber } = parsePosition(p);
      return { pk: s(parkedItemKey(shardId, sequenceNumber)) };
    });
    for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
      const out: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of out.Responses?.[tableName] ?? []) {
        const record: ParkedRecord = {
          shardId: item.shardId?.S ?? "",
          sequenceNumber: item.sequenceNumber?.S ?? "",
          partitionKey: item.partitionKey?.S ?? "",
          data: item.raw?.S ?? "",
          reason: item.reason?.S ?? "",
          detail: item.detail?.S ?? "",
          parkedAt: item.parkedAt?.S ?? "",
        };
        if (item.arrivedAt?.N) record.arrivedAt = Number(item.arrivedAt.N);
        if (item.iss?.S) record.iss = item.iss.S;
        if (item.jti?.S) record.jti = item.jti.S;
        found.set(positionOf(record.shardId, record.sequenceNumber), record);
      }
      keys = out.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return found;
}

/** A drained record leaves the park: its position first (the marker decides), then its item. */
export async function removeFromPark(
  client: DynamoDBClient,
  tableName: string,
  partitionKey: string,
  position: string,
): Promise<void> {
  await client
    .send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: s(parkMarkerKey(partitionKey)) },
        UpdateExpression: "DELETE #positions :p",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#positions": "positions" },
        ExpressionAttributeValues: { ":p": { SS: [position] } },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  const { shardId, sequenceNumber } = parsePosition(position);
  await client.send(
    new DeleteItemCommand({ TableName: tableName, Key: { pk: s(parkedItemKey(shardId, sequenceNumber)) } }),
  );
}

/**
 * Unparks a key, only if no position is left in its marker (a record parked since the drain read it keeps
 * the key held). True when the key is no longer parked.
 */
export async function unparkIfEmpty(
  client: DynamoDBClient,
  tableName: string,
  partitionKey: string,
): Promise<boolean> {
  try {
    await client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { pk: s(parkMarkerKey(partitionKey)) },
        ConditionExpression: "attribute_not_exists(#positions)",
        ExpressionAttributeNames: { "#positions": "positions" },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
