import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandOutput,
  type QueryCommandOutput,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import type { AttributeValueLike } from "../effects/effects.js";
import { fromAttributeMap } from "./attribute-values.js";
import { messageLedgerKey } from "./ledger-keys.js";
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

export interface FailureQuery {
  /** failedAt at or after this ISO time. */
  since?: string;
  /** failedAt before this ISO time. */
  until?: string;
  /** Only these message types / reasons (any of them). */
  types?: readonly string[];
  reasons?: readonly string[];
  /** At most this many matching items. */
  limit?: number;
}

/**
 * Rejected or failed items, oldest first, from the sparse `failures` index. The time window is part of the key
 * condition and the type/reason filters run in DynamoDB, so `limit` counts matching items: filtering after a
 * limited query would silently drop matches that lie beyond the first `limit` items.
 */
export async function listFailures(
  client: DynamoDBClient,
  tableName: string,
  status: "rejected" | "failed",
  query: FailureQuery = {},
): Promise<LedgerEntry[]> {
  const limit = query.limit ?? 100;
  const values: Record<string, AttributeValue> = { ":s": { S: status } };
  const names: Record<string, string> = {};
  let keyCondition = "failureStatus = :s";
  if (query.since !== undefined) values[":since"] = { S: query.since };
  if (query.until !== undefined) values[":until"] = { S: query.until };
  if (query.since !== undefined && query.until !== undefined)
    // BETWEEN is inclusive at both ends; the item exactly at `until` is dropped below.
    keyCondition += " AND failedAt BETWEEN :since AND :until";
  else if (query.since !== undefined) keyCondition += " AND failedAt >= :since";
  else if (query.until !== undefined) keyCondition += " AND failedAt < :until";
  const filters: string[] = [];
  const anyOf = (attribute: "type" | "reason", wanted: readonly string[] | undefined) => {
    if (!wanted?.length) return;
    names[`#${attribute}`] = attribute;
    const placeholders = wanted.map((value, i) => {
      values[`:${attribute}${i}`] = { S: value };
      return `:${attribute}${i}`;
    });
    filters.push(`#${attribute} IN (${placeholders.join(", ")})`);
  };
  anyOf("type", query.types);
  anyOf("reason", query.reasons);

  const found: LedgerEntry[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: FAILURES_INDEX,
        KeyConditionExpression: keyCondition,
        ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        // With a filter, a page may match fewer items than it reads: keep reading until `limit` match.
        Limit: filters.length ? 1000 : Math.min(limit - found.length, 1000),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const entry = fromAttributeMap(item);
      if (query.until !== undefined && String(entry.failedAt ?? "") >= query.until) continue;
      found.push(entry);
      if (found.length >= limit) return found;
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}
