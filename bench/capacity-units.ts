import {
  type AttributeValue,
  type BatchGetItemInput,
  type BatchGetItemOutput,
  type BatchWriteItemInput,
  type BatchWriteItemOutput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GetItemInput,
  type GetItemOutput,
  type QueryInput,
  type QueryOutput,
  type TransactGetItemsOutput,
  type TransactWriteItemsInput,
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
 *
 * Global secondary indexes: a write that succeeds and carries an index's key attributes also writes the index,
 * billed 1 WCU per started KB of what the index projects (its keys, the table's keys and its projected
 * attributes), transactional or not. A failed or cancelled write changes no index. The indexes come from the
 * tables themselves (describeIndexes), the same way for both sides: a side whose tables have none pays none.
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
  TableName?: string;
  Item?: Item;
  Key?: Item;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

/** One global secondary index as the counter needs it: what makes an item appear in it and what it copies. */
export interface IndexShape {
  name: string;
  /** The index's key attributes: an item lacking one is not in the (sparse) index. */
  keys: string[];
  /** The table's own key attributes, always projected. */
  tableKeys: string[];
  /** "ALL", or the non-key attributes projected (empty for KEYS_ONLY). */
  projection: "ALL" | string[];
}

/** Indexes per table name. */
export type TableIndexes = ReadonlyMap<string, readonly IndexShape[]>;

/** Reads the global secondary indexes of the tables from DynamoDB (DescribeTable). */
export async function describeIndexes(client: DynamoDBClient, tables: string[]): Promise<TableIndexes> {
  const out = new Map<string, IndexShape[]>();
  for (const table of tables) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    const tableKeys = (Table?.KeySchema ?? []).map((k) => k.AttributeName!);
    out.set(
      table,
      (Table?.GlobalSecondaryIndexes ?? []).map((index) => ({
        name: index.IndexName!,
        keys: (index.KeySchema ?? []).map((k) => k.AttributeName!),
        tableKeys,
        projection:
          index.Projection?.ProjectionType === "ALL"
            ? "ALL"
            : [...(index.Projection?.NonKeyAttributes ?? [])],
      })),
    );
  }
  return out;
}

/**
 * The attributes a write leaves on its item as far as the request shows them: a put's whole item, or an
 * update's key plus every attribute its expression sets or adds (by name, with the value written).
 */
function writtenAttributes(write: WriteLike): Item | undefined {
  if (write.Item) return write.Item;
  if (!write.UpdateExpression || !write.Key) return undefined;
  const out: Item = { ...write.Key };
  const names = write.ExpressionAttributeNames ?? {};
  const values = write.ExpressionAttributeValues ?? {};
  // Only SET and ADD clauses store values; REMOVE and DELETE do not add to an index entry.
  const clauses = write.UpdateExpression.split(/\b(?=SET\b|ADD\b|REMOVE\b|DELETE\b)/);
  for (const clause of clauses) {
    const kind = clause.trim().slice(0, 3);
    if (kind !== "SET" && kind !== "ADD") continue;
    for (const m of clause.matchAll(
      /(#?[A-Za-z0-9_]+)\s*(?:=\s*(?:if_not_exists\([^,]+,\s*)?|\s)(:[A-Za-z0-9_]+)/g,
    )) {
      const attr = m[1]!.startsWith("#") ? names[m[1]!] : m[1]!;
      const value = values[m[2]!];
      if (attr !== undefined && value) out[attr] = value;
    }
  }
  return out;
}

/** Index write units of one successful write: per index whose keys the written item carries. */
export function indexWriteUnits(write: WriteLike, indexes: TableIndexes | undefined): number {
  const shapes = write.TableName ? indexes?.get(write.TableName) : undefined;
  if (!shapes?.length) return 0;
  const item = writtenAttributes(write);
  if (!item) return 0;
  let wcu = 0;
  for (const index of shapes) {
    if (!index.keys.every((k) => item[k] !== undefined)) continue;
    const projected: Item = {};
    for (const [name, value] of Object.entries(item)) {
      if (
        index.projection === "ALL" ||
        index.keys.includes(name) ||
        index.tableKeys.includes(name) ||
        index.projection.includes(name)
      )
        projected[name] = value;
    }
    wcu += kb(itemSize(projected));
  }
  return wcu;
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

/**
 * Units of one command (by its SDK name), from its input and, for reads, what it returned. `succeeded` says
 * whether the request took effect (index writes are billed only then).
 */
export function unitsOf(
  command: string,
  request: unknown,
  response: unknown,
  indexes?: TableIndexes,
  succeeded = response !== undefined,
): Units {
  switch (command) {
    case "PutItemCommand":
    case "UpdateItemCommand":
    case "DeleteItemCommand": {
      const write = request as WriteLike;
      return { wcu: kb(writeSize(write)) + (succeeded ? indexWriteUnits(write, indexes) : 0), rcu: 0 };
    }
    case "TransactWriteItemsCommand": {
      let wcu = 0;
      for (const t of (request as TransactWriteItemsInput).TransactItems ?? []) {
        const write: WriteLike = t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck ?? {};
        wcu += 2 * kb(writeSize(write));
        if (succeeded && (t.Put || t.Update)) wcu += indexWriteUnits(write, indexes);
      }
      return { wcu, rcu: 0 };
    }
    case "BatchWriteItemCommand": {
      let wcu = 0;
      const unprocessed = (response as BatchWriteItemOutput | undefined)?.UnprocessedItems ?? {};
      for (const [table, requests] of Object.entries((request as BatchWriteItemInput).RequestItems ?? {})) {
        const left = new Set((unprocessed[table] ?? []).map((r) => JSON.stringify(r)));
        for (const r of requests) {
          wcu += kb(itemSize(r.PutRequest?.Item ?? r.DeleteRequest?.Key));
          if (succeeded && r.PutRequest && !left.has(JSON.stringify(r)))
            wcu += indexWriteUnits({ TableName: table, Item: r.PutRequest.Item }, indexes);
        }
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

/**
 * Wraps the client so every command it sends (retries aside) adds its units, whether it succeeded or not.
 * `indexes` (describeIndexes) adds the index writes of the tables that have global secondary indexes.
 */
export function countCapacity(client: DynamoDBClient, indexes?: TableIndexes): CapacityCounter {
  let wcu = 0;
  let rcu = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const add = (output: unknown) => {
        const units = unitsOf(context.commandName ?? "", args.input, output, indexes, output !== undefined);
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
