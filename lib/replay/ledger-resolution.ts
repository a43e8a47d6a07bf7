import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";

const conditionFailed = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as Error)?.name === "ConditionalCheckFailedException";

/**
 * A record rejected before its identity was trusted (`rec#<shard>#<seq>`) that replay has now processed (or
 * found already processed) under its message key: take it out of the `failures` index so it is not replayed
 * or alarmed on again, and say what became of it. Only a still-`rejected` item changes.
 */
export async function resolveRejectedRecord(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  outcome: "processed" | "duplicate",
  nowMs: number,
): Promise<boolean> {
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: pk } },
        UpdateExpression:
          "SET #s = :replayed, resolvedAt = :at, resolvedBy = :by, updatedAt = :at REMOVE failureStatus",
        ConditionExpression: "#s = :rejected",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: {
          ":replayed": { S: "replayed" },
          ":rejected": { S: "rejected" },
          ":at": { S: new Date(nowMs).toISOString() },
          ":by": { S: `replay:${outcome}` },
        },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
}

/**
 * A message its processor refused is recorded by a `rejected` marker, which the pipeline treats as finished
 * (a redelivery is a duplicate). To replay it on purpose (after the processor was fixed), the marker goes
 * back to `failed`, the one state the pipeline may overwrite. Conditional on the marker still being the
 * rejection of these exact bytes, so a concurrent success is never undone.
 */
export async function reopenRejectedMarker(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  tokenHash: string | undefined,
  nowMs: number,
): Promise<boolean> {
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: pk } },
        UpdateExpression: "SET #s = :failed, failureStatus = :failed, reopenedAt = :at, updatedAt = :at",
        ConditionExpression: tokenHash ? "#s = :rejected AND tokenHash = :h" : "#s = :rejected",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: {
          ":failed": { S: "failed" },
          ":rejected": { S: "rejected" },
          ":at": { S: new Date(nowMs).toISOString() },
          ...(tokenHash ? { ":h": { S: tokenHash } } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
}
