import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { parseJwks } from "../../../lib/envelope/keysets/jwks.js";
import { createStaticKeySet } from "../../../lib/envelope/keysets/static-key-set.js";
import { createSigner, type Signer } from "../../../lib/envelope/sign.js";
import { uuidv7 } from "../../../lib/envelope/uuidv7.js";
import { createVerifier } from "../../../lib/envelope/verify.js";
import { findByJti } from "../../../lib/ledger/inspect.js";
import { ensureConsumerTables } from "../../../lib/ledger/tables.js";
import { createBatchPipeline } from "../../../lib/pipeline/pipeline.js";
import { runReplay } from "../../../lib/replay/engine.js";
import { ledgerSource } from "../../../lib/replay/ledger-source.js";
import { createReplayEngineDeps } from "../../../lib/replay/replay-deps.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import { registry } from "../../../schemas/index.js";
import type { PayloadValidator } from "../../../lib/envelope/types.js";
import { accountItems, event, FakeShard, id, type TestEnv } from "../consumer/support.js";
import { uniqueName } from "../runner/runner-fixture.js";

/**
 * Verification rejections with a signed identity live under msg#<iss>#<jti> as `rejected` markers. Replay
 * reopens them (as it does a processor's refusal) and the pipeline then commits the message like any other.
 */
const ISSUER = "crm-rails";
const AUDIENCE = "crm-pipeline";
const client = dynamoDbClient();
const tables = {
  ledgerTable: uniqueName("kjp-rj-ledger"),
  projectionsTable: uniqueName("kjp-rj-projections"),
};
/** The schema fix: once set, the currency "XXX" is read as EUR (a PayloadValidator of this test only). */
const schema = { fixed: false };
const validator: PayloadValidator = {
  validate(type, v, data) {
    const d = data as Record<string, unknown>;
    if (schema.fixed && type === "deal.stage_changed" && d?.currency === "XXX")
      return registry.validate(type, v, { ...d, currency: "EUR" });
    return registry.validate(type, v, data);
  },
};
let signer: Signer;
let verifier: ReturnType<typeof createVerifier>;

beforeAll(async () => {
  await ensureConsumerTables(client, tables);
  const key = await generateSigningKey("ES256", uniqueName("rj"));
  signer = await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience: AUDIENCE });
  verifier = createVerifier({
    audience: AUDIENCE,
    issuers: [
      {
        issuer: ISSUER,
        keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [key.publicJwk] }), "t")),
      },
    ],
    validator,
  });
});
afterAll(async () => {
  await Promise.allSettled([
    client.send(new DeleteTableCommand({ TableName: tables.ledgerTable })),
    client.send(new DeleteTableCommand({ TableName: tables.projectionsTable })),
  ]);
  client.destroy();
});

const deal = (accountId: string, currency: string) => ({
  type: "deal.stage_changed",
  v: 1,
  jti: uuidv7(),
  data: {
    dealId: id("deal"),
    accountId,
    fromStage: null,
    toStage: "lead",
    amountMinor: 42,
    currency,
    changedAt: "2026-11-24T09:30:00Z",
  },
});
const env = { client, ...tables } as TestEnv;
const live = () =>
  createBatchPipeline({
    verify: (t) => verifier.verify(t),
    processors: createProcessorRegistry(),
    dynamodb: client,
    ...tables,
  });
const replayDeps = (horizonSec: number) =>
  createReplayEngineDeps({
    verifier,
    horizonSec,
    processors: createProcessorRegistry(),
    dynamodb: client,
    ...tables,
  });
const source = (reasons: string[]) =>
  ledgerSource({ dynamodb: client, ledgerTable: tables.ledgerTable, filters: { reasons } });
const item = async (jti: string) => (await findByJti(client, tables.ledgerTable, jti, ISSUER))[0];

test("an invalid_payload rejection replays after the schema accepts it: done exactly once", async () => {
  const account = id("acc");
  const m = deal(account, "XXX");
  const shard = new FakeShard();
  const result = await live().process(event([shard.record(account, await signer.sign(m))]));
  expect(result.reports[0]!.outcome).toMatchObject({ status: "rejected", reason: "invalid_payload" });
  expect(await item(m.jti)).toMatchObject({ status: "rejected", reason: "invalid_payload" });

  // Before the fix, a dry run predicts the same rejection the real run would record again.
  const unfixed = await runReplay(source(["invalid_payload"]), replayDeps(86_400), { dryRun: true });
  expect(unfixed.summary).toMatchObject({ candidates: 1, processed: 0, rejected: { invalid_payload: 1 } });

  schema.fixed = true;
  const dry = await runReplay(source(["invalid_payload"]), replayDeps(86_400), { dryRun: true });
  expect(dry.summary).toMatchObject({ candidates: 1, processed: 1 });
  expect(await item(m.jti)).toMatchObject({ status: "rejected" });

  const first = await runReplay(source(["invalid_payload"]), replayDeps(86_400));
  expect(first.summary).toMatchObject({ candidates: 1, processed: 1, rejected: {}, failed: {} });
  const marker = await item(m.jti);
  expect(marker).toMatchObject({ status: "done" });
  expect(marker).not.toHaveProperty("failureStatus");
  expect((await accountItems(env, account))["pipeline#EUR"]).toMatchObject({
    count_lead: 1,
    amount_lead: 42,
  });

  // Nothing left to replay; the stream's redelivery of the same record is a duplicate: still applied once.
  const second = await runReplay(source(["invalid_payload"]), replayDeps(86_400));
  expect(second.summary).toMatchObject({ candidates: 0, processed: 0 });
  const again = await live().process(event([shard.record(account, await signer.sign(m))]));
  expect(again.reports[0]!.outcome).toEqual({ status: "duplicate" });
  expect((await accountItems(env, account))["pipeline#EUR"]).toMatchObject({
    count_lead: 1,
    amount_lead: 42,
  });
  schema.fixed = false;
});

test("an expired rejection replays within the replay horizon, once", async () => {
  const account = id("acc");
  const m = deal(account, "EUR");
  const token = await signer.sign({ ...m, now: Math.floor(Date.now() / 1000) - 8 * 86_400 });
  const result = await live().process(event([new FakeShard().record(account, token)]));
  expect(result.reports[0]!.outcome).toMatchObject({ status: "rejected", reason: "expired" });
  expect(await item(m.jti)).toMatchObject({ status: "rejected", reason: "expired" });

  const outside = await runReplay(source(["expired"]), replayDeps(3_600));
  expect(outside.summary).toMatchObject({ processed: 0, rejected: { expired: 1 } });
  expect(await item(m.jti)).toMatchObject({ status: "rejected", reason: "expired" });

  const dry = await runReplay(source(["expired"]), replayDeps(2 * 86_400), { dryRun: true });
  expect(dry.summary).toMatchObject({ candidates: 1, processed: 1 });
  const within = await runReplay(source(["expired"]), replayDeps(2 * 86_400));
  expect(within.summary).toMatchObject({ candidates: 1, processed: 1 });
  expect(await item(m.jti)).toMatchObject({ status: "done" });
  expect((await accountItems(env, account))["pipeline#EUR"]).toMatchObject({
    count_lead: 1,
    amount_lead: 42,
  });
  const second = await runReplay(source(["expired"]), replayDeps(2 * 86_400));
  expect(second.summary).toMatchObject({ candidates: 0, processed: 0 });
});
