import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { OUTCOME_COUNTER_PREFIX } from "../../lib/ledger/outcome-counters.js";
import type { LedgerOutcome } from "./reconcile.js";

async function scanAll(
  client: DynamoDBClient,
  input: Omit<ConstructorParameters<typeof ScanCommand>[0], "ExclusiveStartKey">,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({ ...input, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every chaos#<key> item's list of applied sequence numbers. */
export async function readSequences(client: DynamoDBClient, table: string): Promise<Map<string, number[]>> {
  const items = await scanAll(client, {
    TableName: table,
    FilterExpression: "begins_with(pk, :p)",
    ExpressionAttributeValues: { ":p": { S: "chaos#" } },
  });
  return new Map(
    items.map((i) => [i.pk!.S!.slice("chaos#".length), (i.seqs?.L ?? []).map((v) => Number(v.N))]),
  );
}

/**
 * Every ledger item that says what became of a record (attempt counters, park markers and the per-minute
 * outcome counters are bookkeeping).
 */
export async function readLedgerOutcomes(client: DynamoDBClient, table: string): Promise<LedgerOutcome[]> {
  const items = await scanAll(client, {
    TableName: table,
    ProjectionExpression: "pk, #s, reason, shardId, sequenceNumber, iss, rawSha256",
    ExpressionAttributeNames: { "#s": "status" },
  });
  return items
    .map((i) => ({
      pk: i.pk?.S ?? "",
      status: i.status?.S ?? "",
      ...(i.reason?.S ? { reason: i.reason.S } : {}),
      ...(i.shardId?.S ? { shardId: i.shardId.S } : {}),
      ...(i.sequenceNumber?.S ? { sequenceNumber: i.sequenceNumber.S } : {}),
      ...(i.iss?.S ? { iss: i.iss.S } : {}),
      ...(i.rawSha256?.S ? { rawSha256: i.rawSha256.S } : {}),
    }))
    .filter(
      (r) =>
        !r.pk.startsWith("attempts#") &&
        !r.pk.startsWith("park#") &&
        !r.pk.startsWith(OUTCOME_COUNTER_PREFIX),
    );
}
