import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import { createSigner, type Signer } from "../../lib/envelope/sign.js";
import { replayEngineDepsFromEnv } from "./replay-engine.js";
import { consumerDepsFromEnv } from "./consumer.js";
import { exampleOf } from "../../schemas/test-helpers.js";

const DAY = 86_400;
const data = exampleOf("deal.stage_changed", 1);

describe("consumer deps from the environment, with verify options (the seam replay builds on)", () => {
  let env: NodeJS.ProcessEnv;
  let signer: Signer;
  // Never called: building deps touches no AWS service.
  const client = new DynamoDBClient({ region: "us-east-1" });
  afterAll(() => client.destroy());
  beforeAll(async () => {
    const key = await generateSigningKey("ES256", "deps-k1");
    env = {
      KJP_LEDGER_TABLE: "ledger",
      KJP_PROJECTIONS_TABLE: "projections",
      KJP_AUDIENCE: "crm-pipeline",
      KJP_ISSUERS: JSON.stringify([{ issuer: "crm-rails", keys: JSON.stringify({ keys: [key.publicJwk] }) }]),
      KJP_KEY_CONCURRENCY: "7",
    };
    signer = await createSigner({
      privateJwk: key.privateJwk,
      issuer: "crm-rails",
      audience: "crm-pipeline",
      ttlSeconds: DAY,
    });
  });
  const expiredTwoDaysAgo = () =>
    signer.sign({ type: "deal.stage_changed", v: 1, data, now: Math.floor(Date.now() / 1000) - 3 * DAY });

  test("the live consumer rejects an expired token; with expGraceSec the same deps accept it", async () => {
    const token = Buffer.from(await expiredTwoDaysAgo());
    const live = consumerDepsFromEnv(env, client);
    expect(await live.verify(token)).toMatchObject({ ok: false, rejection: { reason: "expired" } });
    expect(await consumerDepsFromEnv(env, client, { expGraceSec: DAY }).verify(token)).toMatchObject({
      ok: false,
      rejection: { reason: "expired" },
    });
    const widened = consumerDepsFromEnv(env, client, { expGraceSec: 3 * DAY });
    expect(await widened.verify(token)).toMatchObject({ ok: true, message: { type: "deal.stage_changed" } });
    expect(widened).toMatchObject({
      ledgerTable: "ledger",
      projectionsTable: "projections",
      settings: { keyConcurrency: 7 },
    });
  });

  test("a given logger is used (replay's, for the notifier)", () => {
    const logger = new Logger({ serviceName: "kjp-replay-test" });
    expect(consumerDepsFromEnv(env, client, { logger }).logger).toBe(logger);
  });

  test("replay's deps are the consumer's deps with the horizon: same tables, exp widened and nothing else", async () => {
    const token = Buffer.from(await expiredTwoDaysAgo());
    const replay = replayEngineDepsFromEnv({ ...env, KJP_REPLAY_HORIZON: "3d" }, client);
    expect(replay).toMatchObject({ horizonSec: 3 * DAY, ledgerTable: "ledger", dynamodb: client });
    expect(await replay.verify(token)).toMatchObject({ ok: true });
    const short = replayEngineDepsFromEnv(env, client, { horizonSec: DAY });
    expect(await short.verify(token)).toMatchObject({ ok: false, rejection: { reason: "expired" } });
    expect(() => replayEngineDepsFromEnv({ ...env, KJP_ISSUERS: "nope" }, client)).toThrow(/KJP_ISSUERS/);
    expect(() => replayEngineDepsFromEnv({ ...env, KJP_LEDGER_TABLE: "" }, client)).toThrow(
      /KJP_LEDGER_TABLE/,
    );
  });
});
