import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { listParkedKeys } from "../ledger/park-items.js";

/** What is parked right now: the figures behind the parkedKeys alarm and `kjp status`. */
export interface ParkedGauges {
  parkedKeys: number;
  parkedRecords: number;
  /** Age of the oldest park, 0 when nothing is parked. */
  oldestParkedAgeSeconds: number;
  keys: { partitionKey: string; records: number; parkedAt: string; reason?: string }[];
}

export async function parkedGauges(
  client: DynamoDBClient,
  ledgerTable: string,
  now: number,
): Promise<ParkedGauges> {
  const markers = await listParkedKeys(client, ledgerTable);
  const oldest = markers.reduce((min, m) => Math.min(min, Date.parse(m.parkedAt) || now), now);
  return {
    parkedKeys: markers.length,
    parkedRecords: markers.reduce((n, m) => n + m.positions.length, 0),
    oldestParkedAgeSeconds: Math.max(0, Math.round((now - oldest) / 1000)),
    keys: markers.map((m) => ({
      partitionKey: m.partitionKey,
      records: m.positions.length,
      parkedAt: m.parkedAt,
      ...(m.reason ? { reason: m.reason } : {}),
    })),
  };
}
