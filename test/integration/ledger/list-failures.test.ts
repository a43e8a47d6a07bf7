import { DeleteTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { toAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { listFailures } from "../../../lib/ledger/inspect.js";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { ensureConsumerTables } from "../../../lib/ledger/tables.js";
import { uniqueName } from "../runner/runner-fixture.js";

/**
 * The failures index query behind `kjp failures`, `kjp ledger list` and `kjp replay --from ledger`: the window
 * and the type/reason filters must hold before the limit counts, or matches past the first page go missing.
 */
const dynamodb = dynamoDbClient();
const tables = { ledgerTable: uniqueName("kjp-lf-ledger"), projectionsTable: uniqueName("kjp-lf-proj") };

// 30 rejected items a minute apart; every third is `expired` of type deal.stage_changed, the rest unknown_key.
const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 3, minute)).toISOString();
const items = Array.from({ length: 30 }, (_, i) => ({
  pk: recordLedgerKey("shardId-000000000000", String(1000 + i)),
  status: "rejected",
  failureStatus: "rejected",
  failedAt: at(i),
  reason: i % 3 === 0 ? "expired" : "unknown_key",
  type: i % 3 === 0 ? "deal.stage_changed" : "note.added",
}));

beforeAll(async () => {
  await ensureConsumerTables(dynamodb, tables);
  for (const item of items)
    await dynamodb.send(new PutItemCommand({ TableName: tables.ledgerTable, Item: toAttributeMap(item) }));
});
afterAll(async () => {
  await Promise.allSettled(
    Object.values(tables).map((TableName) => dynamodb.send(new DeleteTableCommand({ TableName }))),
  );
  dynamodb.destroy();
});

const pks = (entries: Array<Record<string, unknown>>) => entries.map((e) => e.pk);

test("limit counts matching items: the first 3 expired ones, though they lie beyond the first 3 items", async () => {
  const found = await listFailures(dynamodb, tables.ledgerTable, "rejected", {
    reasons: ["expired"],
    limit: 3,
  });
  expect(pks(found)).toEqual([items[0]!.pk, items[3]!.pk, items[6]!.pk]);
});

test("type and reason filters combine; any of several values matches", async () => {
  const found = await listFailures(dynamodb, tables.ledgerTable, "rejected", {
    types: ["note.added", "contact.upserted"],
    reasons: ["unknown_key"],
    limit: 100,
  });
  expect(found).toHaveLength(20);
  expect(found.every((e) => e.reason === "unknown_key" && e.type === "note.added")).toBe(true);
});

test("the window is [since, until): until is exclusive, also when both bounds are given", async () => {
  const both = await listFailures(dynamodb, tables.ledgerTable, "rejected", { since: at(10), until: at(13) });
  expect(both.map((e) => e.failedAt)).toEqual([at(10), at(11), at(12)]);
  const untilOnly = await listFailures(dynamodb, tables.ledgerTable, "rejected", { until: at(2) });
  expect(untilOnly.map((e) => e.failedAt)).toEqual([at(0), at(1)]);
  const sinceOnly = await listFailures(dynamodb, tables.ledgerTable, "rejected", { since: at(28) });
  expect(sinceOnly.map((e) => e.failedAt)).toEqual([at(28), at(29)]);
});

test("without filters the limit is exact and the order is oldest first", async () => {
  const found = await listFailures(dynamodb, tables.ledgerTable, "rejected", { limit: 4 });
  expect(found.map((e) => e.failedAt)).toEqual([at(0), at(1), at(2), at(3)]);
});
