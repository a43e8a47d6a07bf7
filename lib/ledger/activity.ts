import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
} from "@aws-sdk/client-dynamodb";

/**
 * The `activity` index of the ledger: every item that is not a processed message (rejected, failed, replayed)
 * carries `activityBucket` (its hour plus a small write shard) and `updatedAt`, so "what went wrong in the last
 * hours" is a handful of bounded queries instead of a scan of the whole table. `done` markers stay out of it:
 * an index write per processed message would only have served counts, which the per-minute counters
 * (outcome-counters.ts) give for a few writes per batch. The shard spreads one hour's writes over several
 * index partitions, so a busy hour cannot throttle the index (and, through it, the consumer's own writes).
 */
export const ACTIVITY_INDEX = "activity";
export const ACTIVITY_SHARDS = 4;
/** What the index projects besides its keys: enough to count by status, type and reason. */
export const ACTIVITY_ATTRIBUTES = ["status", "type", "reason"] as const;

const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);

/**
 * The bucket of an item written (or changed) at `ms`; `spreadKey` (the record's position, or its ledger key)
 * picks the write shard. Every write that moves `updatedAt` sets the bucket again, so an item always sits in
 * the bucket of its last change, where the console's incremental reads look.
 */
export function activityBucket(ms: number, spreadKey: string): string {
  let h = 0x811c9dc5;
  for (const ch of spreadKey) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return `${hourOf(ms)}#${(h >>> 0) % ACTIVITY_SHARDS}`;
}

/** Every bucket that can hold items updated in [sinceMs, untilMs]. */
export function activityBuckets(sinceMs: number, untilMs: number): string[] {
  const out: string[] = [];
  const first = Math.floor(sinceMs / 3_600_000) * 3_600_000;
  for (let t = first; t <= untilMs; t += 3_600_000)
    for (let s = 0; s < ACTIVITY_SHARDS; s++) out.push(`${hourOf(t)}#${s}`);
  return out;
}

export interface ActivityItem {
  pk: string;
  status: string;
  type?: string;
  reason?: string;
  updatedAt: string;
}

/**
 * Items updated in [sinceMs, untilMs], read from the activity index only (each bucket queried in parallel,
 * every page followed). The window bounds the work: a day of a busy pipeline is still a lot of items, so
 * callers keep windows to hours.
 */
export async function queryActivity(
  client: DynamoDBClient,
  tableName: string,
  window: { sinceMs: number; untilMs: number },
): Promise<ActivityItem[]> {
  const since = new Date(window.sinceMs).toISOString();
  const until = new Date(window.untilMs).toISOString();
  const pages = await Promise.all(
    activityBuckets(window.sinceMs, window.untilMs).map(async (bucket) => {
      const found: ActivityItem[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const out: QueryCommandOutput = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: ACTIVITY_INDEX,
            KeyConditionExpression: "activityBucket = :b AND updatedAt BETWEEN :since AND :until",
            ProjectionExpression: "pk, #s, #t, reason, updatedAt",
            ExpressionAttributeNames: { "#s": "status", "#t": "type" },
            ExpressionAttributeValues: {
              ":b": { S: bucket },
              ":since": { S: since },
              ":until": { S: until },
            },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          const status = item.status?.S;
          const updatedAt = item.updatedAt?.S;
          const pk = item.pk?.S;
          if (!status || !updatedAt || !pk) continue;
          found.push({
            pk,
            status,
            updatedAt,
            ...(item.type?.S ? { type: item.type.S } : {}),
            ...(item.reason?.S ? { reason: item.reason.S } : {}),
          });
        }
        start = out.LastEvaluatedKey;
      } while (start);
      return found;
    }),
  );
  return pages.flat();
}
