import type {
  AttributeValue,
  BatchGetItemInput,
  BatchGetItemOutput,
  BatchWriteItemInput,
  DynamoDBClient,
  GetItemInput,
  GetItemOutput,
  QueryInput,
  QueryOutput,
  TransactGetItemsOutput,
  TransactWriteItemsInput,
} from "@aws-sdk/client-dynamodb";

/**
 * Write and read units a DynamoDB client would be billed for, counted from the requests it sends and the items
 * it gets back, by DynamoDB's on-demand rules: a standard write is 1 WCU per started KB of item, a
 * transactional write (each Put, Update, Delete or ConditionCheck of TransactWriteItems) 2 per KB; a read is
 * 0.5 (eventually consistent) or 1 (strongly consistent) RCU per started 4 KB, 2 in a transaction. DynamoDB
 * Local reports no capacity for transactions, so the bench counts it here, the same way for both sides.
 *
 * Size of an update: the stored item is not visible in the request, so an update is sized from its key and the
 * values it writes — a lower bound, equal for both sides because both apply the same effects. Failed
 * conditional writes and cancelled transactions are billed as if they wrote (DynamoDB charges them).
 */
export interface CapacityCounter {
  wcu: () => number;
  rcu: () => number;
  reset: () => void;
}

type Item = Record<string, AttributeValue>;

export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  if (value.L) return 3 + value.L.reduce((n, v) => n + 1 + attributeValueSize(v), 0);
  if (value.M)
    return (
      3 +
      Object.entries(value.M).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + attributeValueSize(v), 0)
    );
  return 0;
}

/** Numbers are stored as up to 38 significant digits, two per byte, plus one byte. */
function numberSize(n: string): number {
  const digits =
    n
      .replace(/^-/, "")
      .replace(/[.eE].*$/, "")
      .replace(/^0+/, "").length || 1;
  return Math.ceil(digits / 2) + 1;
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + attributeValueSize(v), 0);
}

interface WriteLike {
  Item?: Item;
  Key?: Item;
  ExpressionAttributeValues?: Item;
}

/** The bytes a write stores: the whole item for a put, key plus written values for an update or check. */
function writeSize(write: WriteLike): number {
  if (write.Item) return itemSize(write.Item);
  return itemSize(write.Key) + itemSize(write.ExpressionAttributeValues);
}

const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const fourKb = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

interface Units {
  wcu: number;
  rcu: number;
}

/** Units of one command (by its SDK name), from its input and, for reads, what it returned. */
export function unitsOf(command: string, request: unknown, response: unknown): Units {
  switch (command) {
    case "PutItemCommand":
    case "UpdateItemCommand":
    case "DeleteItemCommand":
      return { wcu: kb(writeSize(request as WriteLike)), rcu: 0 };
    case "TransactWriteItemsCommand": {
      let wcu = 0;
      for (const t of (request as TransactWriteItemsInput).TransactItems ?? []) {
        const write: WriteLike = t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck ?? {};
        wcu += 2 * kb(writeSize(write));
      }
      return { wcu, rcu: 0 };
    }
    case "BatchWriteItemCommand": {
      let wcu = 0;
      for (const requests of Object.values((request as BatchWriteItemInput).RequestItems ?? {})) {
        for (const r of requests) wcu += kb(itemSize(r.PutRequest?.Item ?? r.DeleteRequest?.Key));
      }
      return { wcu, rcu: 0 };
    }
    case "GetItemCommand": {
      const consistent = (request as GetItemInput).ConsistentRead;
      return { wcu: 0, rcu: (consistent ? 1 : 0.5) * fourKb(itemSize((response as GetItemOutput)?.Item)) };
    }
    case "BatchGetItemCommand": {
      let rcu = 0;
      const output = response as BatchGetItemOutput | undefined;
      for (const [table, keys] of Object.entries((request as BatchGetItemInput).RequestItems ?? {})) {
        const perUnit = keys.ConsistentRead ? 1 : 0.5;
        const returned: Item[] = output?.Responses?.[table] ?? [];
        const unprocessed = output?.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
        const missing = Math.max(0, (keys.Keys?.length ?? 0) - unprocessed - returned.length);
        rcu += perUnit * (returned.reduce((n, item) => n + fourKb(itemSize(item)), 0) + missing);
      }
      return { wcu: 0, rcu };
    }
    case "TransactGetItemsCommand":
      return {
        wcu: 0,
        rcu: ((response as TransactGetItemsOutput)?.Responses ?? []).reduce(
          (n, r) => n + 2 * fourKb(itemSize(r.Item)),
          0,
        ),
      };
    case "QueryCommand":
    case "ScanCommand": {
      const bytes = ((response as QueryOutput)?.Items ?? []).reduce((n, item) => n + itemSize(item), 0);
      return { wcu: 0, rcu: ((request as QueryInput).ConsistentRead ? 1 : 0.5) * fourKb(bytes) };
    }
    default:
      return { wcu: 0, rcu: 0 };
  }
}

/** Wraps the client so every command it sends (retries aside) adds its units, whether it succeeded or not. */
export function countCapacity(client: DynamoDBClient): CapacityCounter {
  let wcu = 0;
  let rcu = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const add = (output: unknown) => {
        const units = unitsOf(context.commandName ?? "", args.input, output);
        wcu += units.wcu;
        rcu += units.rcu;
      };
      try {
        const result = await next(args);
        add(result.output);
        return result;
      } catch (error) {
        add(undefined);
        throw error;
      }
    },
    { step: "initialize", name: "kjpBenchCapacityCounter" },
  );
  return {
    wcu: () => wcu,
    rcu: () => rcu,
    reset: () => {
      wcu = 0;
      rcu = 0;
    },
  };
}
