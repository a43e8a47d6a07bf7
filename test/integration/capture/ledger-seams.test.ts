import {
  DeleteTableCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { parseJwks } from "../../../lib/envelope/keysets/jwks.js";
import { createStaticKeySet } from "../../../lib/envelope/keysets/static-key-set.js";
import { createSigner, type Signer } from "../../../lib/envelope/sign.js";
import { uuidv7 } from "../../../lib/envelope/uuidv7.js";
import { createVerifier } from "../../../lib/envelope/verify.js";
import { fromAttributeMap, toAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { listFailures } from "../../../lib/ledger/inspect.js";
import { messageLedgerKey, recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { reopenRejectedMarker, resolveRejectedRecord } from "../../../lib/ledger/resolution.js";
import { ensureConsumerTables } from "../../../lib/ledger/tables.js";
import { tokenHash } from "../../../lib/pipeline/redelivery.js";
import { runReplay } from "../../../lib/replay/engine.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import { createReplayEngineDeps } from "../../../lib/replay/replay-deps.js";
import type { ReplayCandidate } from "../../../lib/replay/types.js";
import type { ReplayEngineDeps } from "../../../lib/replay/engine.js";
import { registry } from "../../../schemas/index.js";
import { uniqueName } from "../runner/runner-fixture.js";
import { exampleOf } from "../../../schemas/test-helpers.js";

/** The ledger writes replay relies on (lib/ledger/resolution.ts) and the dry run's dedupe rule, on DynamoDB Local. */
const dynamodb = dynamoDbClient();
const tables = {
  ledgerTable: uniqueName("kjp-capture-ledger"),
  projectionsTable: uniqueName("kjp-capture-proj"),
};
const SHARD = "shardId-000000000000";
const NOW = Date.parse("2026-11-25T03:00:00Z");

beforeAll(() => ensureConsumerTables(dynamodb, tables));
afterAll(async () => {
  await Promise.allSettled([
    dynamodb.send(new DeleteTableCommand({ TableName: tables.ledgerTable })),
    dynamodb.send(new DeleteTableCommand({ TableName: tables.projectionsTable })),
  ]);
  dynamodb.destroy();
});

const put = (item: Record<string, string | number | boolean>) =>
  dynamodb.send(new PutItemCommand({ TableName: tables.ledgerTable, Item: toAttributeMap(item) }));
async function get(pk: string): Promise<Record<string, unknown> | undefined> {
  const out = await dynamodb.send(
    new GetItemCommand({ TableName: tables.ledgerTable, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return out.Item ? fromAttributeMap(out.Item as Record<string, AttributeValue>) : undefined;
}

describe("lib/ledger/resolution: replay's ledger writes", () => {
  test("a rec# rejection resolved by replay becomes `replayed` and leaves the failures index, once", async () => {
    const pk = recordLedgerKey(SHARD, String(Date.now()));
    const failedAt = new Date(NOW).toISOString();
    await put({
      pk,
      status: "rejected",
      failureStatus: "rejected",
      failedAt,
      reason: "unknown_key",
      raw: "QUJD",
    });
    expect((await listFailures(dynamodb, tables.ledgerTable, "rejected")).map((i) => i.pk)).toContain(pk);

    expect(await resolveRejectedRecord(dynamodb, tables.ledgerTable, pk, "processed", NOW)).toBe(true);
    const item = await get(pk);
    expect(item).toMatchObject({
      status: "replayed",
      resolvedBy: "replay:processed",
      resolvedAt: failedAt,
      reason: "unknown_key",
      raw: "QUJD",
    });
    expect(item).not.toHaveProperty("failureStatus");
    expect((await listFailures(dynamodb, tables.ledgerTable, "rejected")).map((i) => i.pk)).not.toContain(pk);
    // Only a still-rejected item changes.
    expect(await resolveRejectedRecord(dynamodb, tables.ledgerTable, pk, "duplicate", NOW)).toBe(false);
    expect(await get(pk)).toMatchObject({ resolvedBy: "replay:processed" });
  });

  test("a processor's rejected marker is reopened to `failed` only while it is the rejection of these bytes", async () => {
    const pk = messageLedgerKey("crm-rails", uuidv7());
    await put({ pk, status: "rejected", failureStatus: "rejected", failedAt: "x", tokenHash: "h1" });
    expect(await reopenRejectedMarker(dynamodb, tables.ledgerTable, pk, "other", NOW)).toBe(false);
    expect(await get(pk)).toMatchObject({ status: "rejected" });
    expect(await reopenRejectedMarker(dynamodb, tables.ledgerTable, pk, "h1", NOW)).toBe(true);
    expect(await get(pk)).toMatchObject({
      status: "failed",
      failureStatus: "failed",
      reopenedAt: new Date(NOW).toISOString(),
    });
    expect(await reopenRejectedMarker(dynamodb, tables.ledgerTable, pk, undefined, NOW)).toBe(false);

    const done = messageLedgerKey("crm-rails", uuidv7());
    await put({ pk: done, status: "done", tokenHash: "h2" });
    expect(await reopenRejectedMarker(dynamodb, tables.ledgerTable, done, undefined, NOW)).toBe(false);
    expect(await get(done)).toMatchObject({ status: "done" });
    expect(await reopenRejectedMarker(dynamodb, tables.ledgerTable, uuidv7(), undefined, NOW)).toBe(false);
  });
});

describe("dry run dedupe: the same rule as the pipeline (marker AND the hash of these bytes)", () => {
  let signer: Signer;
  let deps: ReplayEngineDeps;
  beforeAll(async () => {
    const key = await generateSigningKey("ES256", uniqueName("capture"));
    signer = await createSigner({
      privateJwk: key.privateJwk,
      issuer: "crm-rails",
      audience: "crm-pipeline",
    });
    deps = createReplayEngineDeps({
      processors: createProcessorRegistry(),
      verifier: createVerifier({
        audience: "crm-pipeline",
        issuers: [
          {
            issuer: "crm-rails",
            keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [key.publicJwk] }), "test")),
          },
        ],
        validator: registry,
      }),
      horizonSec: 86_400,
      dynamodb,
      ...tables,
    });
  });
  let seq = 100;
  const candidate = (token: string): ReplayCandidate => {
    const sequenceNumber = String(seq++);
    return {
      id: `test:${sequenceNumber}`,
      provenance: { source: "ledger", pk: "test", status: "failed" },
      records: [
        {
          shardId: SHARD,
          sequenceNumber,
          partitionKey: "acc_dryrun",
          data: Buffer.from(token).toString("base64"),
        },
      ],
    };
  };
  const statuses = (r: Awaited<ReturnType<typeof runReplay>>) =>
    r.candidates.map((c) => c.outcomes.map((o) => (o.status === "rejected" ? o.reason : o.status)).join());

  test("a forged copy of a processed jti is not a duplicate in a dry run, and the real run agrees", async () => {
    const jti = uuidv7();
    const token = await signer.sign({
      type: "deal.stage_changed",
      v: 1,
      jti,
      data: exampleOf("deal.stage_changed", 1),
    });
    const applied = await runReplay([candidate(token)], deps);
    expect(applied.summary.processed).toBe(1);
    expect(await get(messageLedgerKey("crm-rails", jti))).toMatchObject({
      status: "done",
      tokenHash: tokenHash(Buffer.from(token)),
    });

    const at = token.length - 10;
    const forged = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
    const batch = () => [candidate(token), candidate(forged)];
    const dry = await runReplay(batch(), deps, { dryRun: true });
    expect(statuses(dry)).toEqual(["duplicate", "bad_signature"]);
    const real = await runReplay(batch(), deps);
    expect(statuses(real)).toEqual(statuses(dry));
    expect(await get(messageLedgerKey("crm-rails", jti))).toMatchObject({ status: "done" });
  });
});
