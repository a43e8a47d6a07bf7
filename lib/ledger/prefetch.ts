import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from "@aws-sdk/client-dynamodb";
import { mapWithConcurrency } from "../util/concurrency.js";

export interface MarkerSnapshot {
  status: string;
  tokenHash?: string;
  /** The message type the marker recorded (what a duplicate is counted under; outcome-counters.ts). */
  type?: string;
}

const BATCH_GET_LIMIT = 100;

/**
 * Reads the ledger markers of many messages at once (BatchGetItem, 100 keys a request), so redelivered
 * records are recognised before any signature is verified. Keys DynamoDB leaves unprocessed after a few
 * tries are simply absent from the answer: the transaction's marker condition still catches them.
 * Throws when DynamoDB cannot be reached.
 */
export async function prefetchMarkers(
  client: DynamoDBClient,
  tableName: string,
  pks: Iterable<string>,
  concurrency = 8,
  /** A fresh deadline per request (see lib/aws/client-settings.ts): a hung DynamoDB ends the read, it cannot hold it. */
  signal?: () => AbortSignal,
): Promise<Map<string, MarkerSnapshot>> {
  const unique = [...new Set(pks)];
  const found = new Map<string, MarkerSnapshot>();
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) chunks.push(unique.slice(i, i + BATCH_GET_LIMIT));
  await mapWithConcurrency(chunks, concurrency, async (chunk) => {
    let request: KeysAndAttributes | undefined = {
      Keys: chunk.map((pk) => ({ pk: { S: pk } })),
      ProjectionExpression: "pk, #s, tokenHash, #t",
      ExpressionAttributeNames: { "#s": "status", "#t": "type" },
    };
    for (let attempt = 0; request && attempt < 3; attempt++) {
      const out: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: request } }),
        signal ? { abortSignal: signal() } : {},
      );
      for (const item of out.Responses?.[tableName] ?? []) {
        const pk = item.pk?.S;
        if (!pk) continue;
        const snapshot: MarkerSnapshot = { status: item.status?.S ?? "" };
        if (item.tokenHash?.S) snapshot.tokenHash = item.tokenHash.S;
        if (item.type?.S) snapshot.type = item.type.S;
        found.set(pk, snapshot);
      }
      request = out.UnprocessedKeys?.[tableName];
      if (request?.Keys?.length === 0) request = undefined;
    }
  });
  return found;
}
