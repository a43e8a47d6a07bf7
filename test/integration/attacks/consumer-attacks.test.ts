/**
 * The attack corpus (test/attacks/corpus.ts) through the real consumer — the Lambda handler wired from its
 * environment, on DynamoDB Local — built afresh at today's time. Every hostile record must be acknowledged
 * (no batchItemFailures: a hostile record never holds its shard) and recorded in the ledger as rejected with
 * the contract's reason; both spellings of one ECDSA signature apply once; a valid token put again under
 * another partition key, or arriving from another stream, is a duplicate.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import type { KinesisStreamRecord } from "aws-lambda";
import { localContext } from "../../../cli/commands/invoke.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { messageLedgerKey, recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { projectRoot } from "../../../lib/util/project-root.js";
import { buildAttackCorpus, type Attack } from "../../attacks/corpus.js";
import { VECTOR_SETTINGS } from "../../attacks/corpus-verifier.js";
import { event, FakeShard, ledgerItem, setUpEnv, type TestEnv } from "../consumer/support.js";
import { consumerEnvFor, vectorTrust } from "../setup/consumer-env.js";

const vectors = join(projectRoot(), "test/vectors");
const saved = { ...process.env };
let env: TestEnv;
let handler: typeof import("../../../handlers/consumer.js");
let attacks: Attack[];
const shard = new FakeShard();
let records: KinesisStreamRecord[];
let response: unknown;

beforeAll(async () => {
  env = await setUpEnv();
  Object.assign(
    process.env,
    consumerEnvFor(env, vectorTrust(), {
      POWERTOOLS_METRICS_NAMESPACE: "kjp-test",
      POWERTOOLS_LOG_LEVEL: "ERROR",
    }),
  );
  handler = await import("../../../handlers/consumer.js");
  const keys = JSON.parse(readFileSync(join(vectors, "private-keys.TEST-ONLY.json"), "utf8")) as {
    keys: Record<"es256" | "eddsa" | "other", JWK>;
  };
  attacks = buildAttackCorpus({
    keys: { ...keys.keys, untrusted: (await generateSigningKey("ES256", "mallory-1")).privateJwk },
    issuer: VECTOR_SETTINGS.issuer,
    otherIssuer: VECTOR_SETTINGS.otherIssuer,
    audience: VECTOR_SETTINGS.audience,
    now: Math.floor(Date.now() / 1000),
    // Unique per run: the ledger outlives one test run when the stack is kept.
    jtiPrefix: `0194f3c0-${Date.now().toString(16).slice(-4)}-7000-8000-`,
  });
  // Three partition keys, so hostile records sit before, between and after each other on each key.
  records = attacks.map((a, i) => shard.record(`acc_attack_${i % 3}`, a.token));
  response = await handler.handler(event(records), localContext());
}, 120_000);

afterAll(() => {
  process.env = saved;
  env?.client.destroy();
});

/** The ledger item a record produced: under its signed identity if it has one, else under its stream position. */
async function ledgerEntryOf(attack: Attack, record: KinesisStreamRecord) {
  const [, payload] = attack.token.split(".");
  let claims: { iss?: unknown; jti?: unknown } = {};
  try {
    claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8"));
  } catch {
    /* not JSON: only a stream position can name it */
  }
  const byIdentity =
    typeof claims.iss === "string" && typeof claims.jti === "string"
      ? await ledgerItem(env, messageLedgerKey(claims.iss, claims.jti))
      : undefined;
  if (byIdentity && byIdentity.sequenceNumber === record.kinesis.sequenceNumber) return byIdentity;
  return (await ledgerItem(env, recordLedgerKey(shard.shardId, record.kinesis.sequenceNumber))) ?? byIdentity;
}

test("no hostile record holds the shard: the whole batch is acknowledged", () => {
  expect(response).toEqual({ batchItemFailures: [] });
});

test("every hostile record is recorded as rejected with the contract's reason", async () => {
  const got: string[] = [];
  const want: string[] = [];
  for (const [i, attack] of attacks.entries()) {
    if (attack.expect === "accepted") continue;
    const item = await ledgerEntryOf(attack, records[i]!);
    got.push(`${attack.category}: ${attack.name}: ${item?.status}/${item?.reason}`);
    want.push(`${attack.category}: ${attack.name}: rejected/${attack.expect}`);
  }
  expect(got).toEqual(want);
});

test("both spellings of one ECDSA signature apply once: the other is a duplicate, not a rejection", async () => {
  const twins = attacks.flatMap((a, i) =>
    a.category === "ECDSA malleability" ? [{ a, r: records[i]! }] : [],
  );
  expect(twins).toHaveLength(2);
  const claims = JSON.parse(Buffer.from(twins[0]!.a.token.split(".")[1]!, "base64url").toString("utf8"));
  // The twins sit on different partition keys, so either may commit first; the marker admits only one.
  const marker = await ledgerItem(env, messageLedgerKey(claims.iss, claims.jti));
  expect(marker?.status).toBe("done");
  expect(twins.map((t) => t.r.kinesis.sequenceNumber)).toContain(marker?.sequenceNumber);
  for (const t of twins) {
    expect(await ledgerItem(env, recordLedgerKey(shard.shardId, t.r.kinesis.sequenceNumber))).toBeUndefined();
  }
});

test("a processed token put again under another partition key, or from another stream, is a duplicate", async () => {
  const original = attacks.findIndex((a) => a.category === "ECDSA malleability");
  const token = attacks[original]!.token;
  const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
  const before = await ledgerItem(env, messageLedgerKey(claims.iss, claims.jti));
  const otherShard = new FakeShard();
  const again = [shard.record("acc_someone_else", token), otherShard.record("acc_attack_0", token)];
  again[1]!.eventSourceARN = "arn:aws:kinesis:us-east-1:000000000000:stream/another-stream";
  const out = await handler.handler(event(again), localContext());
  expect(out).toEqual({ batchItemFailures: [] });
  // The marker is untouched: neither copy applied the message again, nor was refused.
  expect(await ledgerItem(env, messageLedgerKey(claims.iss, claims.jti))).toEqual(before);
  for (const r of again) {
    expect(
      await ledgerItem(env, recordLedgerKey(r.eventID.split(":")[0]!, r.kinesis.sequenceNumber)),
    ).toBeUndefined();
  }
});
