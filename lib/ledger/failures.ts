import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { toAttributeMap } from "./attribute-values.js";
import { failureAttributes, type FailureDetail } from "./ledger-items.js";
import type { LedgerSubject } from "./ledger-writes.js";
import { updateExpression } from "./transact-items.js";

/**
 * Records a transient failure of a message (status `failed`, listed by the `failures` index) and releases our
 * claim on it if we held one. Never overwrites a finished message or another delivery's live claim: a
 * failed item is only bookkeeping, the stream redelivers the record anyway. Returns false when skipped.
 */
export async function writeFailedItem(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  subject: LedgerSubject,
  failure: FailureDetail,
  claim: { owner?: string | undefined; notified: boolean },
  abortSignal?: AbortSignal,
): Promise<boolean> {
  const attributes = {
    ...failureAttributes("failed", subject.position, subject.facts, failure, subject.times),
    ...(claim.notified ? { notified: true } : {}),
  };
  const owner = claim.owner;
  const u = updateExpression({ set: attributes, add: { attempts: 1 } });
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: pk } },
        UpdateExpression: u.expression,
        ConditionExpression:
          "attribute_not_exists(pk) OR #c_status = :c_failed OR (#c_status = :c_inprog AND #c_owner = :c_owner)",
        ExpressionAttributeNames: { ...u.names, "#c_status": "status", "#c_owner": "owner" },
        ExpressionAttributeValues: {
          ...u.values,
          ...toAttributeMap({ ":c_failed": "failed", ":c_inprog": "in_progress", ":c_owner": owner ?? "-" }),
        },
      }),
      abortSignal ? { abortSignal } : {},
    );
    return true;
  } catch (error) {
    if (
      error instanceof ConditionalCheckFailedException ||
      (error as Error).name === "ConditionalCheckFailedException"
    )
      return false;
    throw error;
  }
}
