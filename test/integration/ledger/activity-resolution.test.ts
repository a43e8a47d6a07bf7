import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { queryActivity } from "../../../lib/ledger/activity.js";
import { toAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { failureAttributes } from "../../../lib/ledger/ledger-items.js";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { reopenRejectedMarker, resolveRejectedRecord } from "../../../lib/ledger/resolution.js";
import { id, ledgerItem, useTestEnv } from "../consumer/support.js";

const env = useTestEnv();
const HOUR = 3_600_000;

/** A rejected item written `hoursAgo` ago, as the pipeline writes it (in the activity index's bucket of then). */
async function rejectedItem(pk: string, hoursAgo: number) {
  const at = Date.now() - hoursAgo * HOUR;
  const position = { shardId: "shardId-000000000007", sequenceNumber: id("seq"), partitionKey: "k" };
  const attributes = failureAttributes(
    "rejected",
    position,
    { iss: "crm-rails", jti: id("jti") },
    { reason: "unknown_key", detail: "d", raw: "", rawTruncated: false, rawBytes: 0, rawSha256: "0" },
    { now: at, ttlSeconds: 86_400 },
  );
  await env.client.send(
    new PutItemCommand({
      TableName: env.ledgerTable,
      Item: toAttributeMap({ ...attributes, pk, tokenHash: "h" }),
    }),
  );
}

const recentlyChanged = async (pk: string) =>
  (
    await queryActivity(env.client, env.ledgerTable, { sinceMs: Date.now() - 120_000, untilMs: Date.now() })
  ).find((i) => i.pk === pk);

test("a rejection resolved or reopened by replay hours later moves to the activity bucket of that change", async () => {
  const resolved = recordLedgerKey("shardId-000000000007", id("seq"));
  const reopened = `msg#crm-rails#${id("jti")}`;
  await rejectedItem(resolved, 2);
  await rejectedItem(reopened, 2);
  expect(await recentlyChanged(resolved)).toBeUndefined();

  expect(await resolveRejectedRecord(env.client, env.ledgerTable, resolved, "processed", Date.now())).toBe(
    true,
  );
  expect(await reopenRejectedMarker(env.client, env.ledgerTable, reopened, "h", Date.now())).toBe(true);

  const hour = new Date().toISOString().slice(0, 13);
  expect(String((await ledgerItem(env, resolved))?.activityBucket)).toMatch(new RegExp(`^${hour}#`));
  expect(await recentlyChanged(resolved)).toMatchObject({ status: "replayed", reason: "unknown_key" });
  expect(await recentlyChanged(reopened)).toMatchObject({ status: "failed" });
});
