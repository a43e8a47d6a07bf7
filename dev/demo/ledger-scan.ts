import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { OUTCOME_COUNTER_PREFIX } from "../../lib/ledger/outcome-counters.js";

/** The fields of a ledger item the reconciliation needs. */
export interface LedgerRow {
  pk: string;
  status: string;
  reason?: string;
  shardId?: string;
  sequenceNumber?: string;
}

/**
 * Every ledger item, with only the attributes reconciliation looks at. A Scan rather than the `failures`
 * index: done items are not in that index, and the demo's ledger is small. Consistent reads, because the
 * demo scans right after the runner drained.
 */
export async function scanLedger(client: DynamoDBClient, tableName: string): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        ProjectionExpression: "pk, #s, reason, shardId, sequenceNumber",
        ExpressionAttributeNames: { "#s": "status" },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const row: LedgerRow = { pk: item.pk?.S ?? "", status: item.status?.S ?? "" };
      // Attempt counters, park markers and the per-minute outcome counters are bookkeeping about positions,
      // keys and minutes, not a record's outcome.
      if (
        row.pk.startsWith("attempts#") ||
        row.pk.startsWith("park#") ||
        row.pk.startsWith(OUTCOME_COUNTER_PREFIX)
      )
        continue;
      if (item.reason?.S) row.reason = item.reason.S;
      if (item.shardId?.S) row.shardId = item.shardId.S;
      if (item.sequenceNumber?.S) row.sequenceNumber = item.sequenceNumber.S;
      rows.push(row);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return rows;
}
