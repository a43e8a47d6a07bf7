import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { toAttributeMap } from "./attribute-values.js";

export type ClaimResult =
  /** We hold the lease. `notified`: an earlier attempt already ran the side effect and recorded it. */
  | { kind: "claimed"; notified: boolean }
  | { kind: "duplicate" }
  /** Another delivery holds an unexpired lease. */
  | { kind: "held" };

export interface ClaimRequest {
  tableName: string;
  pk: string;
  owner: string;
  now: number;
  leaseMs: number;
  ttlSeconds: number;
  /** Ends the call at the caller's deadline (see lib/aws/client-settings.ts). */
  abortSignal?: AbortSignal;
}

/**
 * Claims a message before a side effect outside DynamoDB: a conditional in-progress marker with a lease, so
 * concurrent deliveries of one message do not both run it, and a crashed holder's claim expires. The commit
 * that follows replaces the claim with the `done` marker, conditional on still owning it.
 */
export async function claimMessage(client: DynamoDBClient, r: ClaimRequest): Promise<ClaimResult> {
  try {
    const out = await client.send(
      new PutItemCommand({
        TableName: r.tableName,
        Item: toAttributeMap({
          pk: r.pk,
          status: "in_progress",
          owner: r.owner,
          leaseUntil: r.now + r.leaseMs,
          updatedAt: new Date(r.now).toISOString(),
          ttl: Math.floor(r.now / 1000) + r.ttlSeconds,
        }),
        ConditionExpression:
          "attribute_not_exists(pk) OR #_status = :_failed OR (#_status = :_inprog AND (#_leaseUntil < :_now OR #_owner = :_owner))",
        ExpressionAttributeNames: { "#_status": "status", "#_leaseUntil": "leaseUntil", "#_owner": "owner" },
        ExpressionAttributeValues: toAttributeMap({
          ":_failed": "failed",
          ":_inprog": "in_progress",
          ":_now": r.now,
          ":_owner": r.owner,
        }),
        ReturnValues: "ALL_OLD",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
      r.abortSignal ? { abortSignal: r.abortSignal } : {},
    );
    return { kind: "claimed", notified: out.Attributes?.notified?.BOOL === true };
  } catch (error) {
    if (
      error instanceof ConditionalCheckFailedException ||
      (error as Error).name === "ConditionalCheckFailedException"
    ) {
      const status = (error as ConditionalCheckFailedException).Item?.status?.S;
      return status === "in_progress" ? { kind: "held" } : { kind: "duplicate" };
    }
    throw error;
  }
}
