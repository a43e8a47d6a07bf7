import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { activityBucket } from "./activity.js";
import type { LedgerStatus } from "./ledger-items.js";

/**
 * Ledger writes of replay: what becomes of a recorded rejection when a failure is replayed on purpose. Both are
 * conditional on the item still being the rejection, so they never undo a concurrent success, and both answer
 * false (instead of throwing) when the condition does not hold.
 */

const REJECTED: LedgerStatus = "rejected";
const FAILED: LedgerStatus = "failed";
const REPLAYED: LedgerStatus = "replayed";

const conditionFailed = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as Error)?.name === "ConditionalCheckFailedException";

async function conditionalUpdate(client: DynamoDBClient, input: UpdateItemCommandInput): Promise<boolean> {
  try {
    await client.send(new UpdateItemCommand(input));
    return true;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
}

/**
 * A record rejected before its identity was trusted (`rec#<shard>#<seq>`) that replay has now processed (or
 * found already processed) under its message key: status `replayed`, out of the `failures` index so it is not
 * replayed or alarmed on again, with what became of it (`resolvedBy`). Only a still-`rejected` item changes.
 */
export function resolveRejectedRecord(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  outcome: "processed" | "duplicate",
  nowMs: number,
): Promise<boolean> {
  return conditionalUpdate(client, {
    TableName: tableName,
    Key: { pk: { S: pk } },
    UpdateExpression:
      "SET #s = :replayed, resolvedAt = :at, resolvedBy = :by, updatedAt = :at, activityBucket = :bucket REMOVE failureStatus",
    ConditionExpression: "#s = :rejected",
    ExpressionAttributeNames: { "#s": "status" },
    ExpressionAttributeValues: {
      ":replayed": { S: REPLAYED },
      ":rejected": { S: REJECTED },
      ":at": { S: new Date(nowMs).toISOString() },
      ":by": { S: `replay:${outcome}` },
      // The bucket of this change: the console's incremental activity reads look in the current hour's buckets.
      ":bucket": { S: activityBucket(nowMs, pk) },
    },
  });
}

/**
 * A message refused with a verified identity (by its processor, or by verification after its signature checked
 * out: claims, expired, unknown_type, invalid_payload) is recorded by a `rejected` marker, which the pipeline
 * treats as finished (a redelivery is a duplicate). To replay it on purpose (after the processor or schema was
 * fixed, or within the replay horizon), the marker goes back to `failed`, the one state the pipeline may overwrite. Conditional on the marker still being the
 * rejection of these exact bytes (when `tokenHash` is known), so a concurrent success is never undone.
 */
export function reopenRejectedMarker(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  tokenHash: string | undefined,
  nowMs: number,
): Promise<boolean> {
  return conditionalUpdate(client, {
    TableName: tableName,
    Key: { pk: { S: pk } },
    UpdateExpression:
      "SET #s = :failed, failureStatus = :failed, reopenedAt = :at, updatedAt = :at, activityBucket = :bucket",
    ConditionExpression: tokenHash ? "#s = :rejected AND tokenHash = :h" : "#s = :rejected",
    ExpressionAttributeNames: { "#s": "status" },
    ExpressionAttributeValues: {
      ":failed": { S: FAILED },
      ":rejected": { S: REJECTED },
      ":at": { S: new Date(nowMs).toISOString() },
      ":bucket": { S: activityBucket(nowMs, pk) },
      ...(tokenHash ? { ":h": { S: tokenHash } } : {}),
    },
  });
}

/**
 * What a marker would be after `reopenRejectedMarker` with the same arguments: a dry run's view of the ledger,
 * so it predicts what the real run will do. Pure.
 */
export function afterReopen<T extends { status: string; tokenHash?: string }>(
  marker: T,
  tokenHash: string | undefined,
): T {
  return marker.status === REJECTED && (!tokenHash || marker.tokenHash === tokenHash)
    ? { ...marker, status: FAILED }
    : marker;
}
