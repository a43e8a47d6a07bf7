import { DeleteTableCommand, type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { JWK } from "jose";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { parseJwks } from "../../../lib/envelope/keysets/jwks.js";
import { createStaticKeySet } from "../../../lib/envelope/keysets/static-key-set.js";
import { createSigner, type Signer } from "../../../lib/envelope/sign.js";
import { uuidv7 } from "../../../lib/envelope/uuidv7.js";
import { createVerifier, type Verifier } from "../../../lib/envelope/verify.js";
import { fromAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { messageLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { ensureConsumerTables } from "../../../lib/ledger/tables.js";
import { createConsumerHandler } from "../../../lib/pipeline/consumer-handler.js";
import { createReplayEngineDeps } from "../../../lib/replay/replay-deps.js";
import type { ReplayEngineDeps } from "../../../lib/replay/engine.js";
import type { OnFailureOverride } from "../../../dev/runner/runner.js";
import type { ProcessorRegistry } from "../../../lib/effects/processor.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import { registry } from "../../../schemas/index.js";
import { createFixture, settings, uniqueName, type Fixture } from "../runner/runner-fixture.js";

export const ISSUER = "crm-rails";
export const AUDIENCE = "crm-pipeline";

/** A deal message of one account; `seq` (the amount) is its place in the account's order. */
export interface SentMessage {
  account: string;
  seq: number;
  jti: string;
  signedWith: "known" | "unknown";
}

/**
 * One replay scenario on the shared emulators, with resources of its own: a stream and on-failure queue
 * (runner fixture), ledger and projections tables, and the consumer running through the local event source
 * mapping runner with a processor that fails for chosen accounts until they are "fixed".
 */
export interface ReplayScenario {
  fx: Fixture;
  dynamodb: DynamoDBClient;
  tables: { ledgerTable: string; projectionsTable: string };
  functionName: string;
  logGroup: string;
  known: { privateJwk: JWK; publicJwk: JWK };
  unknown: { privateJwk: JWK; publicJwk: JWK };
  /** Accounts whose processing throws (transiently) while `broken` holds. */
  failing: Set<string>;
  /** Accounts whose processor refuses their messages (permanently) while `broken` holds. */
  refusing: Set<string>;
  state: { broken: boolean };
  processors: ProcessorRegistry;
  sent: SentMessage[];
  /** Puts messages and runs the consumer until the runner has drained (retries exhausted, on-failure sent). */
  consume(
    plan: Array<{ account: string; count: number; signedWith?: "known" | "unknown" }>,
    onFailure?: OnFailureOverride,
  ): Promise<{ onFailureSends: number }>;
  /** Replay deps with the current processors and a verifier that trusts `keys`. */
  replayDeps(keys: Array<"known" | "unknown">): ReplayEngineDeps;
  cleanup(): Promise<void>;
}

/**
 * The deal processor plus an order check: each message also moves `account#<id>/order` forward, on the
 * condition that it moves forward. A message applied out of order per key is therefore refused (rejected,
 * reason processor), which the checks below would see.
 */
export function orderedProcessors(
  failing: Set<string>,
  state: { broken: boolean },
  refusing: Set<string> = new Set(),
): ProcessorRegistry {
  const real = createProcessorRegistry();
  const deal = real.get("deal.stage_changed")!;
  const wrapped = new Map(real);
  wrapped.set("deal.stage_changed", (message) => {
    const data = message.data as { accountId: string; amountMinor: number };
    if (state.broken && failing.has(data.accountId))
      throw new Error(`downstream unavailable for ${data.accountId}`);
    if (state.broken && refusing.has(data.accountId))
      return { kind: "refused", detail: `account ${data.accountId} is frozen` };
    const result = deal(message);
    if (result.kind !== "effects") return result;
    return {
      ...result,
      effects: [
        ...result.effects,
        {
          op: "update",
          key: { pk: `account#${data.accountId}`, sk: "order" },
          set: { last: data.amountMinor },
          add: { n: 1 },
          condition: {
            expression: "attribute_not_exists(#last) OR #last < :seq",
            names: { "#last": "last" },
            values: { ":seq": data.amountMinor },
            onFailed: "reject",
          },
        },
      ],
    };
  });
  return wrapped;
}

export async function createScenario(): Promise<ReplayScenario> {
  const fx = await createFixture(1);
  const dynamodb = dynamoDbClient();
  const tables = {
    ledgerTable: uniqueName("kjp-replay-ledger"),
    projectionsTable: uniqueName("kjp-replay-projections"),
  };
  await ensureConsumerTables(dynamodb, tables);
  const known = await generateSigningKey("ES256", uniqueName("known"));
  const unknown = await generateSigningKey("ES256", uniqueName("later"));
  const signers: Record<"known" | "unknown", Signer> = {
    known: await createSigner({ privateJwk: known.privateJwk, issuer: ISSUER, audience: AUDIENCE }),
    unknown: await createSigner({ privateJwk: unknown.privateJwk, issuer: ISSUER, audience: AUDIENCE }),
  };
  const verifierFor = (keys: Array<"known" | "unknown">): Verifier => {
    const jwks = keys.map((k) => (k === "known" ? known.publicJwk : unknown.publicJwk));
    return createVerifier({
      audience: AUDIENCE,
      issuers: [
        { issuer: ISSUER, keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: jwks }), "test")) },
      ],
      validator: registry,
    });
  };
  const failing = new Set<string>();
  const refusing = new Set<string>();
  const state = { broken: true };
  const processors = orderedProcessors(failing, state, refusing);
  const functionName = uniqueName("kjp-replay-consumer");
  const sent: SentMessage[] = [];

  return {
    fx,
    dynamodb,
    tables,
    functionName,
    logGroup: `/aws/lambda/${functionName}`,
    known,
    unknown,
    failing,
    refusing,
    state,
    processors,
    sent,
    async consume(plan, onFailure) {
      const seqByAccount = new Map<string, number>();
      const records: Array<{ key: string; data: string }> = [];
      // Records signed with the untrusted key go first (so they are rejected before any transient failure and
      // never fall in an on-failure range); the other accounts interleave, as on a real stream.
      const first = plan.filter((p) => p.signedWith === "unknown");
      const rest = plan.filter((p) => p.signedWith !== "unknown");
      const order = [...first.flatMap((p) => Array.from({ length: p.count }, () => p))];
      const rounds = Math.max(0, ...rest.map((p) => p.count));
      for (let round = 0; round < rounds; round++) for (const p of rest) if (round < p.count) order.push(p);
      {
        for (const p of order) {
          const seq = (seqByAccount.get(p.account) ?? 0) + 1;
          seqByAccount.set(p.account, seq);
          const jti = uuidv7();
          const signedWith = p.signedWith ?? "known";
          const token = await signers[signedWith].sign({
            type: "deal.stage_changed",
            v: 1,
            jti,
            sub: p.account,
            data: {
              dealId: `deal_${jti.slice(-12)}`,
              accountId: p.account,
              fromStage: null,
              toStage: "lead",
              amountMinor: seq,
              currency: "EUR",
              changedAt: "2026-11-24T09:30:00Z",
            },
          });
          sent.push({ account: p.account, seq, jti, signedWith });
          records.push({ key: p.account, data: token });
        }
      }
      const live = verifierFor(["known"]);
      const handler = createConsumerHandler({
        verify: (t) => live.verify(t),
        processors,
        dynamodb,
        ...tables,
        logger: new Logger({ serviceName: "kjp-replay-test" }),
        metrics: new Metrics({ namespace: "kjp-replay-test", serviceName: "kjp-replay-test" }),
      });
      const runner = fx.runner({
        settings: settings({ functionName, batchSize: 10, maximumRetryAttempts: 1 }),
        handler,
        ...(onFailure ? { onFailure } : {}),
      });
      if (process.env.KJP_REPLAY_TEST_DEBUG)
        runner.on("problem", (p) => console.log("problem", p.where, p.error));
      if (process.env.KJP_REPLAY_TEST_DEBUG)
        runner.on("batch", (b) => console.log("batch", JSON.stringify(b)));
      await fx.put(records);
      await runner.start();
      await runner.drain({ timeoutMs: 40_000 });
      await runner.stop();
      if (process.env.KJP_REPLAY_TEST_DEBUG) console.log(JSON.stringify(runner.stats));
      return { onFailureSends: runner.stats.onFailureSends };
    },
    replayDeps(keys) {
      return createReplayEngineDeps({
        verifier: verifierFor(keys),
        horizonSec: 86_400,
        dynamodb,
        ...tables,
        processors,
      });
    },
    async cleanup() {
      await fx.cleanup();
      await Promise.allSettled([
        dynamodb.send(new DeleteTableCommand({ TableName: tables.ledgerTable })),
        dynamodb.send(new DeleteTableCommand({ TableName: tables.projectionsTable })),
      ]);
      dynamodb.destroy();
    },
  };
}

async function getItem(
  client: DynamoDBClient,
  table: string,
  key: Record<string, string>,
): Promise<Record<string, unknown> | undefined> {
  const out = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])),
      ConsistentRead: true,
    }),
  );
  return out.Item ? (fromAttributeMap(out.Item) as Record<string, unknown>) : undefined;
}

/** Per account: the deal totals and the order item (what the processor's effects did), and each message's marker. */
export async function effects(
  s: ReplayScenario,
): Promise<Record<string, { count: unknown; amount: unknown; last: unknown; n: unknown }>> {
  const out: Record<string, { count: unknown; amount: unknown; last: unknown; n: unknown }> = {};
  for (const account of [...new Set(s.sent.map((m) => m.account))]) {
    const totals = await getItem(s.dynamodb, s.tables.projectionsTable, {
      pk: `account#${account}`,
      sk: "pipeline#EUR",
    });
    const order = await getItem(s.dynamodb, s.tables.projectionsTable, {
      pk: `account#${account}`,
      sk: "order",
    });
    out[account] = { count: totals?.count_lead, amount: totals?.amount_lead, last: order?.last, n: order?.n };
  }
  return out;
}

/** What effects() shows when every message of every account was applied exactly once, in order. */
export function appliedExactlyOnce(
  s: ReplayScenario,
  accounts = [...new Set(s.sent.map((m) => m.account))],
): Record<string, { count: number; amount: number; last: number; n: number }> {
  const out: Record<string, { count: number; amount: number; last: number; n: number }> = {};
  for (const account of accounts) {
    const seqs = s.sent.filter((m) => m.account === account).map((m) => m.seq);
    out[account] = {
      count: seqs.length,
      amount: seqs.reduce((a, b) => a + b, 0),
      last: Math.max(...seqs),
      n: seqs.length,
    };
  }
  return out;
}

export async function markerStatus(s: ReplayScenario, jti: string): Promise<unknown> {
  return (await getItem(s.dynamodb, s.tables.ledgerTable, { pk: messageLedgerKey(ISSUER, jti) }))?.status;
}
