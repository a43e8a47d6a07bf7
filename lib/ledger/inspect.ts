import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandOutput,
  type QueryCommandOutput,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import type { AttributeValueLike } from "../../processors/effects.js";
import { fromAttributeMap } from "./attribute-values.js";
import { messageLedgerKey } from "./keys.js";
import { FAILURES_INDEX } from "./ledger-items.js";

export type LedgerEntry = Record<string, AttributeValueLike>;

/**
 * A message's ledger items by jti. With the issuer it is one GetItem on `msg#<iss>#<jti>`; without it the
 * table is scanned for the jti (an operator's look-up, not a hot path), which also finds records rejected
 * before their identity was verified (they carry the unverified jti).
 */
export async function findByJti(
  client: DynamoDBClient,
  tableName: string,
  jti: string,
  issuer?: string,
): Promise<LedgerEntry[]> {
  if (issuer) {
    const out = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: messageLedgerKey(issuer, jti) } },
        ConsistentRead: true,
      }),
    );
    return out.Item ? [fromAttributeMap(out.Item)] : [];
  }
  const found: LedgerEntry[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out: ScanCommandOutput = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: "jti = :jti",
        ExpressionAttributeValues: { ":jti": { S: jti } },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) found.push(fromAttributeMap(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}

/** Rejected or failed items, oldest first, from the sparse `failures` index. */
export async function listFailures(
  client: DynamoDBClient,
  tableName: string,
  status: "rejected" | "failed",
  options: { since?: string; limit?: number } = {},
): Promise<LedgerEntry[]> {
  const limit = options.limit ?? 100;
  const found: LedgerEntry[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: FAILURES_INDEX,
        KeyConditionExpression: options.since
          ? "failureStatus = :s AND failedAt >= :since"
          : "failureStatus = :s",
        ExpressionAttributeValues: {
          ":s": { S: status },
          ...(options.since ? { ":since": { S: options.since } } : {}),
        },
        Limit: Math.min(limit - found.length, 1000),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) found.push(fromAttributeMap(item));
    start = out.LastEvaluatedKey;
  } while (start && found.length < limit);
  return found;
}
