import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { mapWithConcurrency } from "../util/concurrency.js";

/**
 * Per-minute outcome counters in the ledger table: what the pipeline did, per minute, outcome, message type and
 * reason, for the operator console's chart. One item per minute and write shard, `stats#<YYYY-MM-DDTHH:MM>#<n>`,
 * holding one number attribute per (outcome, type, reason) that batches ADD to. A batch coalesces its records
 * into one update of one item (a few when it saw very many kinds), so counting costs a handful of writes per
 * batch, not one per message, and no index write at all (counter items carry neither `failureStatus` nor
 * `activityBucket`).
 *
 * Telemetry, not exactly-once: a batch counts after its commit, so a crash (or a timeout) between the two
 * loses that batch's counts, and a redelivered batch counts its already committed records again, as
 * duplicates. The ledger's markers stay the source of truth.
 */
export const OUTCOME_COUNTER_PREFIX = "stats#";
/** Write shards per minute: concurrent batches (one per Kinesis shard) spread over this many items. */
export const OUTCOME_COUNTER_SHARDS = 4;
/** What is counted. `unfinished` records are not: they were not tried to the end and come back. */
export const COUNTED_OUTCOMES = ["processed", "duplicate", "rejected", "failed", "parked"] as const;
export type CountedOutcome = (typeof COUNTED_OUTCOMES)[number];

/** One record's contribution: its outcome, its message type (bounded by the caller) and, for failures, a reason. */
export interface OutcomeEntry {
  outcome: CountedOutcome;
  type: string;
  reason?: string;
}

export interface OutcomeCount extends OutcomeEntry {
  n: number;
}

/** A counter as read back, with its minute. */
export interface OutcomeCounterRow extends OutcomeCount {
  /** ISO minute, YYYY-MM-DDTHH:MM (UTC). */
  minute: string;
}

/** Counter attributes start with this; the rest of the item (pk, minute, ttl) is bookkeeping. */
const ATTRIBUTE_PREFIX = "n|";
/** Attributes per UpdateItem: keeps each update expression far below DynamoDB's 4 KB expression limit. */
const ATTRIBUTES_PER_UPDATE = 50;
const MAX_PART_CHARS = 64;

export const minuteOf = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
export const outcomeCounterKey = (minute: string, shard: number): string =>
  `${OUTCOME_COUNTER_PREFIX}${minute}#${shard}`;

/** `|` separates the parts of an attribute name: a part never contains one, and is bounded. */
const part = (s: string): string => s.replaceAll("|", "/").slice(0, MAX_PART_CHARS);

export function counterAttribute(entry: OutcomeEntry): string {
  return `${ATTRIBUTE_PREFIX}${entry.outcome}|${part(entry.type)}|${part(entry.reason ?? "")}`;
}

export function parseCounterAttribute(name: string): OutcomeEntry | undefined {
  if (!name.startsWith(ATTRIBUTE_PREFIX)) return undefined;
  const [outcome, type, reason] = name.slice(ATTRIBUTE_PREFIX.length).split("|");
  if (type === undefined || !(COUNTED_OUTCOMES as readonly string[]).includes(outcome ?? ""))
    return undefined;
  return { outcome: outcome as CountedOutcome, type, ...(reason ? { reason } : {}) };
}

/** Adds up entries with the same (outcome, type, reason): a batch's records become a few counts. */
export function coalesceOutcomes(entries: Iterable<OutcomeEntry>): OutcomeCount[] {
  const counts = new Map<string, OutcomeCount>();
  for (const entry of entries) {
    const name = counterAttribute(entry);
    const found = counts.get(name);
    if (found) found.n++;
    else
      counts.set(name, {
        outcome: entry.outcome,
        type: part(entry.type),
        ...(entry.reason ? { reason: part(entry.reason) } : {}),
        n: 1,
      });
  }
  return [...counts.values()];
}

/** The UpdateItem requests that ADD these counts to one minute's shard item (one request per 50 counts). */
export function counterUpdates(
  tableName: string,
  counts: readonly OutcomeCount[],
  at: { minute: string; shard: number; ttl: number },
): UpdateItemCommandInput[] {
  const updates: UpdateItemCommandInput[] = [];
  for (let i = 0; i < counts.length; i += ATTRIBUTES_PER_UPDATE) {
    const chunk = counts.slice(i, i + ATTRIBUTES_PER_UPDATE);
    const names: Record<string, string> = { "#minute": "minute", "#ttl": "ttl" };
    const values: Record<string, AttributeValue> = {
      ":minute": { S: at.minute },
      ":ttl": { N: String(at.ttl) },
    };
    const adds = chunk.map((c, j) => {
      names[`#c${j}`] = counterAttribute(c);
      values[`:c${j}`] = { N: String(c.n) };
      return `#c${j} :c${j}`;
    });
    updates.push({
      TableName: tableName,
      Key: { pk: { S: outcomeCounterKey(at.minute, at.shard) } },
      UpdateExpression: `ADD ${adds.join(", ")} SET #minute = :minute, #ttl = :ttl`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }
  return updates;
}

/**
 * ADDs a batch's counts to the item of the minute `nowMs` falls in and the given write shard. Returns the
 * number of writes made; throws what DynamoDB (or the abort signal) threw, so the caller decides what a
 * failure costs: for the pipeline, a log line and a metric, never the batch.
 */
export async function addOutcomeCounts(
  client: DynamoDBClient,
  tableName: string,
  counts: readonly OutcomeCount[],
  at: { nowMs: number; shard: number; ttlSeconds: number; abortSignal?: AbortSignal },
): Promise<number> {
  if (counts.length === 0) return 0;
  const updates = counterUpdates(tableName, counts, {
    minute: minuteOf(at.nowMs),
    shard: ((at.shard % OUTCOME_COUNTER_SHARDS) + OUTCOME_COUNTER_SHARDS) % OUTCOME_COUNTER_SHARDS,
    ttl: Math.floor(at.nowMs / 1000) + at.ttlSeconds,
  });
  // In order, not at once: writes to one item would only contend with each other.
  for (const input of updates)
    await client.send(new UpdateItemCommand(input), at.abortSignal ? { abortSignal: at.abortSignal } : {});
  return updates.length;
}

/** Every minute (ISO, YYYY-MM-DDTHH:MM) from the one `sinceMs` falls in to the one `untilMs` falls in. */
export function minutesBetween(sinceMs: number, untilMs: number): string[] {
  const out: string[] = [];
  for (let m = Math.floor(sinceMs / 60_000); m <= Math.floor(untilMs / 60_000); m++)
    out.push(minuteOf(m * 60_000));
  return out;
}

const BATCH_GET_LIMIT = 100;

/**
 * The counters of these minutes, every write shard added up: BatchGetItem by key (never a scan or an index),
 * 100 keys a request; six hours are 1,440 keys, 15 requests.
 */
export async function readOutcomeCounters(
  client: DynamoDBClient,
  tableName: string,
  minutes: readonly string[],
  concurrency = 8,
): Promise<OutcomeCounterRow[]> {
  const keys = minutes.flatMap((minute) =>
    Array.from({ length: OUTCOME_COUNTER_SHARDS }, (_, s) => outcomeCounterKey(minute, s)),
  );
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
  const totals = new Map<string, OutcomeCounterRow>();
  await mapWithConcurrency(chunks, concurrency, async (chunk) => {
    let request: KeysAndAttributes | undefined = { Keys: chunk.map((pk) => ({ pk: { S: pk } })) };
    for (let attempt = 0; request; attempt++) {
      if (attempt >= 5) throw new Error("DynamoDB left outcome counter keys unprocessed 5 times");
      const out: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: request } }),
      );
      for (const item of out.Responses?.[tableName] ?? []) {
        const minute = item.minute?.S;
        if (!minute) continue;
        for (const [name, value] of Object.entries(item)) {
          const entry = parseCounterAttribute(name);
          const n = Number(value.N);
          if (!entry || !Number.isFinite(n)) continue;
          const key = `${minute}|${name}`;
          const row = totals.get(key);
          if (row) row.n += n;
          else totals.set(key, { minute, ...entry, n });
        }
      }
      request = out.UnprocessedKeys?.[tableName];
      if (request?.Keys?.length === 0) request = undefined;
    }
  });
  return [...totals.values()];
}
