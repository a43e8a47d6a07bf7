import { DeleteTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Command } from "commander";
import { join } from "node:path";
import { register as registerReplay } from "../../../cli/commands/replay.js";
import { readStreamEventSettings } from "../../../dev/service-definition/stream-event.js";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { deriveParkLimits } from "../../../lib/config/park-limits.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { parseJwks } from "../../../lib/envelope/keysets/jwks.js";
import { createStaticKeySet } from "../../../lib/envelope/keysets/static-key-set.js";
import { createSigner } from "../../../lib/envelope/sign.js";
import { createVerifier } from "../../../lib/envelope/verify.js";
import { fromAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { messageLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { readParkMarker } from "../../../lib/ledger/park-items.js";
import { ensureConsumerTables } from "../../../lib/ledger/tables.js";
import { createConsumerHandler } from "../../../lib/pipeline/consumer-handler.js";
import { createReplayEngineDeps } from "../../../lib/replay/replay-deps.js";
import { projectRoot } from "../../../lib/util/project-root.js";
import { registry } from "../../../schemas/index.js";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { createFixture, type Fixture, uniqueName } from "../runner/runner-fixture.js";
import { orderedProcessors } from "./replay-fixture.js";

/**
 * The outage runbook of docs/operations.md ("Parked keys"), end to end on the local stack with serverless.yml's
 * `local` stage settings: DynamoDB is unreachable for the consumer (the shard must wait: nothing goes to the
 * on-failure destination however long it lasts); it comes back while a dependency of message outage-11 is
 * still down, so that record exhausts the consumer's attempts and parks its key, outage-12..20 behind it, while
 * the other key flows on; the dependency is restored and `kjp replay --from parked` drains the key in order.
 */
const ISSUER = "crm-rails";
const AUDIENCE = "crm-pipeline";

let fx: Fixture;
let dynamodb: DynamoDBClient;
let consumerDb: DynamoDBClient;
let tables: { ledgerTable: string; projectionsTable: string };
beforeEach(async () => {
  fx = await createFixture(1);
  dynamodb = dynamoDbClient();
  consumerDb = dynamoDbClient({ maxAttempts: 1 });
  tables = { ledgerTable: uniqueName("kjp-outage-ledger"), projectionsTable: uniqueName("kjp-outage-proj") };
  await ensureConsumerTables(dynamodb, tables);
});
afterEach(async () => {
  process.exitCode = undefined;
  await fx.cleanup();
  await Promise.allSettled([
    dynamodb.send(new DeleteTableCommand({ TableName: tables.ledgerTable })),
    dynamodb.send(new DeleteTableCommand({ TableName: tables.projectionsTable })),
  ]);
  dynamodb.destroy();
  consumerDb.destroy();
});

async function item(table: string, key: Record<string, string>) {
  const out = await dynamodb.send(
    new GetItemCommand({
      TableName: table,
      Key: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])),
      ConsistentRead: true,
    }),
  );
  return out.Item ? (fromAttributeMap(out.Item) as Record<string, unknown>) : undefined;
}

test("outage runbook: the shard waits while DynamoDB is down, outage-11 parks its key, the drain applies outage-11 before outage-12", async () => {
  const stage = readStreamEventSettings(join(projectRoot(), "serverless.yml"), { stage: "local" });
  expect(stage.maximumRetryAttempts).toBe(-1); // Lambda never discards a batch on its own any more
  const limits = deriveParkLimits(stage, { parkAfterAttempts: 3, parkAfterAgeSeconds: 600 });

  // DynamoDB, as the consumer sees it: down until `down` is cleared.
  const outage = { down: true };
  consumerDb.middlewareStack.add(
    (next) => async (args) => {
      if (outage.down)
        throw Object.assign(new Error("connect ECONNREFUSED (DynamoDB paused)"), { code: "ECONNREFUSED" });
      return next(args);
    },
    { step: "initialize", name: "pausedDynamoDb" },
  );
  const key = await generateSigningKey("ES256", uniqueName("outage"));
  const signer = await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience: AUDIENCE });
  const verifier = createVerifier({
    audience: AUDIENCE,
    issuers: [
      {
        issuer: ISSUER,
        keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [key.publicJwk] }), "t")),
      },
    ],
    validator: registry,
  });
  const outageAccount = `acc_${uniqueName("o")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(-12)}`;
  const otherAccount = `acc_${uniqueName("p")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(-12)}`;
  // The dependency behind outage-11 (the message with amount 11 of the outage account) is down too.
  const state = { broken: true };
  const failing = new Set<string>();
  const processors = new Map(orderedProcessors(failing, state));
  const deal = processors.get("deal.stage_changed")!;
  processors.set("deal.stage_changed", (m) => {
    const d = m.data as { accountId: string; amountMinor: number };
    if (state.broken && d.accountId === outageAccount && d.amountMinor === 11)
      throw new Error("downstream unavailable for outage-11");
    return deal(m);
  });

  const jtis = new Map<string, string>();
  const records: { key: string; data: string }[] = [];
  for (let n = 1; n <= 20; n++)
    for (const account of [outageAccount, otherAccount]) {
      const jti = crypto.randomUUID();
      if (account === outageAccount) jtis.set(`outage-${n}`, jti);
      records.push({
        key: account,
        data: await signer.sign({
          type: "deal.stage_changed",
          v: 1,
          jti,
          sub: account,
          data: {
            dealId: `deal_${jti.replace(/-/g, "").slice(-12)}`,
            accountId: account,
            fromStage: null,
            toStage: "lead",
            amountMinor: n,
            currency: "EUR",
            changedAt: "2026-11-24T09:30:00Z",
          },
        }),
      });
    }

  const functionName = uniqueName("kjp-outage-consumer");
  const handler = createConsumerHandler({
    verify: (t) => verifier.verify(t),
    processors,
    dynamodb: consumerDb,
    ...tables,
    settings: limits,
    logger: new Logger({ serviceName: "kjp-outage-test", logLevel: "SILENT" }),
    metrics: new Metrics({ namespace: "kjp-outage-test", serviceName: "kjp-outage-test" }),
  });
  const runner = fx.runner({
    settings: {
      ...stage,
      functionName,
      startingPosition: "TRIM_HORIZON",
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
    },
    handler,
  });
  await fx.put(records);
  await runner.start();

  // 1. DynamoDB paused: far more invocations than the old local limit (3 retries), nothing discarded.
  const deadline = Date.now() + 20_000;
  while (runner.stats.invocations < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(runner.stats.invocations).toBeGreaterThanOrEqual(12);
  expect(runner.stats.onFailureSends).toBe(0);
  expect(await readParkMarker(dynamodb, tables.ledgerTable, outageAccount)).toBeUndefined();

  // 2. DynamoDB back, outage-11's dependency still down: it parks after the consumer's attempts, with
  //    outage-12..20 behind it; the other key is applied in full; the shard is caught up.
  outage.down = false;
  await runner.drain({ timeoutMs: 40_000 });
  await runner.stop();
  expect(runner.stats.onFailureSends).toBe(0);
  const marker = await readParkMarker(dynamodb, tables.ledgerTable, outageAccount);
  expect(marker?.positions).toHaveLength(10);
  expect(await item(tables.projectionsTable, { pk: `account#${otherAccount}`, sk: "order" })).toMatchObject({
    last: 20,
    n: 20,
  });
  expect(await item(tables.projectionsTable, { pk: `account#${outageAccount}`, sk: "order" })).toMatchObject({
    last: 10,
    n: 10,
  });

  const drain = async () => {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command("kjp").exitOverride();
    registerReplay(program, {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      env: { KJP_LEDGER_TABLE: tables.ledgerTable, KJP_PROJECTIONS_TABLE: tables.projectionsTable },
      isTTY: false,
      engineDeps: () =>
        createReplayEngineDeps({ verifier, horizonSec: 86_400, dynamodb, ...tables, processors }),
    });
    process.exitCode = undefined;
    await program.parseAsync(["node", "kjp", "replay", "--from", "parked", "--key", outageAccount]);
    return { code: process.exitCode, out: out.join(""), err: err.join("") };
  };

  // 3. A drain before the cause is fixed: outage-11 fails again, the key stays held with all ten, exit 1.
  const early = await drain();
  expect(early.code).toBe(1);
  expect(early.err).toMatch(/held, 0 drained, 10 still parked: record \d+ failed again \(processor_failed/);
  expect((await readParkMarker(dynamodb, tables.ledgerTable, outageAccount))?.positions).toHaveLength(10);

  // 4. Cause fixed; drain.
  state.broken = false;
  const fixed = await drain();
  expect({ code: fixed.code, err: fixed.err }).toEqual({ code: 0, err: "" });
  expect(fixed.out).toMatch(/unparked, 10 drained, 0 still parked/);

  // 5. Verify: every message once, in order; outage-11 applied before outage-12.
  expect(await readParkMarker(dynamodb, tables.ledgerTable, outageAccount)).toBeUndefined();
  expect(await item(tables.projectionsTable, { pk: `account#${outageAccount}`, sk: "order" })).toMatchObject({
    last: 20,
    n: 20,
  });
  const applied = async (name: string) =>
    (await item(tables.ledgerTable, { pk: messageLedgerKey(ISSUER, jtis.get(name)!) })) as {
      status: string;
      processedAt: string;
    };
  const [m10, m11, m12] = await Promise.all(["outage-10", "outage-11", "outage-12"].map(applied));
  expect([m10!.status, m11!.status, m12!.status]).toEqual(["done", "done", "done"]);
  expect(m10!.processedAt <= m11!.processedAt).toBe(true);
  expect(m11!.processedAt <= m12!.processedAt).toBe(true);
}, 120_000);
