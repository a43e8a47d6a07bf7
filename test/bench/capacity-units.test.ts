import { type IndexShape, indexWriteUnits, unitsOf } from "../../bench/capacity-units.js";

const LEDGER_INDEXES = new Map<string, IndexShape[]>([
  [
    "ledger",
    [
      { name: "failures", keys: ["failureStatus", "failedAt"], tableKeys: ["pk"], projection: "ALL" },
      {
        name: "activity",
        keys: ["activityBucket", "updatedAt"],
        tableKeys: ["pk"],
        projection: ["status", "type", "reason"],
      },
    ],
  ],
]);

const marker = {
  pk: { S: "msg#iss#jti" },
  status: { S: "done" },
  activityBucket: { S: "2026-11-27T17#1" },
  updatedAt: { S: "2026-11-27T17:00:00.000Z" },
  raw: { S: "x".repeat(2900) },
};

describe("capacity units with global secondary indexes", () => {
  test("a done marker writes the activity index only, sized by its projection", () => {
    expect(indexWriteUnits({ TableName: "ledger", Item: marker }, LEDGER_INDEXES)).toBe(1);
    // The base item is 3 KB (raw); the activity index projects keys, status, type and reason: 1 KB.
    expect(unitsOf("PutItemCommand", { TableName: "ledger", Item: marker }, {}, LEDGER_INDEXES).wcu).toBe(4);
  });

  test("a rejected item also writes the sparse failures index, with everything projected", () => {
    const rejected = { ...marker, failureStatus: { S: "rejected" }, failedAt: { S: "2026" } };
    expect(indexWriteUnits({ TableName: "ledger", Item: rejected }, LEDGER_INDEXES)).toBe(3 + 1);
  });

  test("transactions bill 2 per item on the table and 1 per index write; a cancelled one writes no index", () => {
    const request = { TransactItems: [{ Put: { TableName: "ledger", Item: marker } }] };
    expect(unitsOf("TransactWriteItemsCommand", request, {}, LEDGER_INDEXES).wcu).toBe(2 * 3 + 1);
    expect(unitsOf("TransactWriteItemsCommand", request, undefined, LEDGER_INDEXES).wcu).toBe(2 * 3);
  });

  test("an update writes an index when it sets the index keys (by placeholder name)", () => {
    const update = {
      TableName: "ledger",
      Key: { pk: { S: "rec#s#1" } },
      UpdateExpression: "SET #_0 = :_0, #_1 = :_1, #_2 = if_not_exists(#_2, :_2) ADD #_3 :_3",
      ExpressionAttributeNames: { "#_0": "activityBucket", "#_1": "updatedAt", "#_2": "status", "#_3": "n" },
      ExpressionAttributeValues: {
        ":_0": { S: "b" },
        ":_1": { S: "t" },
        ":_2": { S: "rejected" },
        ":_3": { N: "1" },
      },
    };
    expect(indexWriteUnits(update, LEDGER_INDEXES)).toBe(1);
    expect(indexWriteUnits({ ...update, TableName: "projections" }, LEDGER_INDEXES)).toBe(0);
  });

  test("BatchWriteItem bills index writes for the items DynamoDB processed", () => {
    const request = { RequestItems: { ledger: [{ PutRequest: { Item: marker } }] } };
    expect(unitsOf("BatchWriteItemCommand", request, { UnprocessedItems: {} }, LEDGER_INDEXES).wcu).toBe(
      3 + 1,
    );
    expect(
      unitsOf("BatchWriteItemCommand", request, { UnprocessedItems: request.RequestItems }, LEDGER_INDEXES)
        .wcu,
    ).toBe(3);
  });
});
