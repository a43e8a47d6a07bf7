import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandOutput,
  type QueryCommandInput,
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
  /** Only these message types / reasons / issuers / partition keys (any of each). */
  types?: readonly string[];
  reasons?: readonly string[];
  issuers?: readonly string[];
  partitionKeys?: readonly string[];
  /** At most this many matching items. */
  limit?: number;
}

/** The Query of the `failures` index for one status: the time window in the key condition, the rest as filters. */
function failuresQueryInput(
  tableName: string,
  status: string,
  query: FailureQuery,
): { input: QueryCommandInput; filtered: boolean } {
  const values: Record<string, AttributeValue> = { ":s": { S: status } };
  const names: Record<string, string> = {};
  let keyCondition = "failureStatus = :s";
  if (query.since !== undefined) values[":since"] = { S: query.since };
  if (query.until !== undefined) values[":until"] = { S: query.until };
  if (query.since !== undefined && query.until !== undefined)
    // BETWEEN is inclusive at both ends; the item exactly at `until` is dropped by the callers.
    keyCondition += " AND failedAt BETWEEN :since AND :until";
  else if (query.since !== undefined) keyCondition += " AND failedAt >= :since";
  else if (query.until !== undefined) keyCondition += " AND failedAt < :until";
  const filters: string[] = [];
  const anyOf = (attribute: string, wanted: readonly string[] | undefined) => {
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
  anyOf("iss", query.issuers);
  anyOf("partitionKey", query.partitionKeys);
  return {
    filtered: filters.length > 0,
    input: {
      TableName: tableName,
      IndexName: FAILURES_INDEX,
      KeyConditionExpression: keyCondition,
      ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
  };
}

const beforeUntil = (query: FailureQuery, entry: LedgerEntry) =>
  query.until === undefined || String(entry.failedAt ?? "") < query.until;

/**
 * Items of one failureStatus (rejected, failed, or parked: one park marker per key), oldest first, from the
 * sparse `failures` index. The time window is part of the key condition and the type/reason filters run in
 * DynamoDB, so `limit` counts matching items: filtering after a limited query would silently drop matches that
 * lie beyond the first `limit` items.
 */
export async function listFailures(
  client: DynamoDBClient,
  tableName: string,
  status: string,
  query: FailureQuery = {},
): Promise<LedgerEntry[]> {
  const limit = query.limit ?? 100;
  const { input, filtered } = failuresQueryInput(tableName, status, query);
  const found: LedgerEntry[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out: QueryCommandOutput = await client.send(
      new QueryCommand({
        ...input,
        // With a filter, a page may match fewer items than it reads: keep reading until `limit` match.
        Limit: filtered ? 1000 : Math.min(limit - found.length, 1000),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const entry = fromAttributeMap(item);
      if (!beforeUntil(query, entry)) continue;
      found.push(entry);
      if (found.length >= limit) return found;
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}

export interface FailuresPage {
  items: LedgerEntry[];
  /** Where the next page starts (DynamoDB's LastEvaluatedKey), absent on the last page. */
  next?: Record<string, AttributeValue>;
}

/**
 * One page of failures of one status, newest first, for a browsing operator: reads until `pageSize` items
 * matched or the index ran out, and says where to go on. Each call is bounded by `pageSize` matches (and by
 * DynamoDB's 1 MB per read), never a walk over the whole index.
 */
export async function failuresPage(
  client: DynamoDBClient,
  tableName: string,
  status: string,
  query: FailureQuery,
  page: { pageSize: number; start?: Record<string, AttributeValue> },
): Promise<FailuresPage> {
  const { input, filtered } = failuresQueryInput(tableName, status, query);
  const items: LedgerEntry[] = [];
  let start = page.start;
  do {
    const out: QueryCommandOutput = await client.send(
      new QueryCommand({
        ...input,
        ScanIndexForward: false,
        // With a filter, read ahead (one round trip per few matches would be slow) and cut at pageSize below.
        Limit: filtered ? Math.max(200, page.pageSize * 4) : page.pageSize - items.length,
        ExclusiveStartKey: start,
      }),
    );
    start = out.LastEvaluatedKey;
    for (const item of out.Items ?? []) {
      const entry = fromAttributeMap(item);
      if (!beforeUntil(query, entry)) continue;
      items.push(entry);
      if (items.length === page.pageSize) {
        // The next page starts after this item: its index key is where DynamoDB would have stopped.
        const last = { pk: item.pk!, failureStatus: item.failureStatus!, failedAt: item.failedAt! };
        return { items, next: last };
      }
    }
  } while (start);
  return { items };
}

/**
 * How many failures of one status lie in the window, by reason: reads only the `reason` attribute of the
 * index's items in the window (bounded by the window, not the table).
 */
export async function countFailuresByReason(
  client: DynamoDBClient,
  tableName: string,
  status: string,
  query: FailureQuery,
): Promise<Record<string, number>> {
  const { input } = failuresQueryInput(tableName, status, query);
  const counts: Record<string, number> = {};
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out: QueryCommandOutput = await client.send(
      new QueryCommand({
        ...input,
        ProjectionExpression: "#r_reason, failedAt",
        ExpressionAttributeNames: { ...input.ExpressionAttributeNames, "#r_reason": "reason" },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const entry = fromAttributeMap(item);
      if (!beforeUntil(query, entry)) continue;
      const reason = String(entry.reason ?? "unknown");
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return counts;
}
