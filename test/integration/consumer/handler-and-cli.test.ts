import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { Command } from "commander";
import { forge } from "../../../lib/envelope/testing/forge.js";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { createSigner } from "../../../lib/envelope/sign.js";
import { ConfigurationError } from "../../../lib/errors/kjp-error.js";
import { consumerDepsFromEnv } from "../../../handlers/wiring/consumer.js";
import { localContext, register as registerInvoke } from "../../../cli/commands/invoke.js";
import { register as registerLedger } from "../../../cli/commands/ledger.js";
import { AUDIENCE, dealMessage, event, FakeShard, id, ISSUER, setUpEnv, type TestEnv } from "./support.js";
import { consumerEnvFor, inlineKeys } from "../setup/consumer-env.js";

let env: TestEnv;
let handler: typeof import("../../../handlers/consumer.js");
const saved = { ...process.env };
let tokens: { good: string; goodJti: string; bad: string };

beforeAll(async () => {
  env = await setUpEnv();
  const key = await generateSigningKey("ES256", "handler-es-1");
  Object.assign(
    process.env,
    consumerEnvFor(
      env,
      { audience: AUDIENCE, issuers: [{ issuer: ISSUER, keys: inlineKeys(key.publicJwk) }] },
      {
        POWERTOOLS_METRICS_NAMESPACE: "kjp-test",
        // Powertools then writes through the global console, which the test can listen to.
        POWERTOOLS_DEV: "true",
        POWERTOOLS_METRICS_DISABLED: "false",
      },
    ),
  );
  handler = await import("../../../handlers/consumer.js");
  const signer = await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience: AUDIENCE });
  const m = dealMessage(id("acc"), null, "lead", 42);
  const good = await signer.sign({ type: m.type, v: m.v, data: m.data, jti: m.jti, sub: m.sub! });
  const other = dealMessage(id("acc"), null, "lead", 1);
  const bad = await signer.sign({
    type: other.type,
    v: other.v,
    data: { ...other.data, amountMinor: -1 },
    jti: other.jti,
  });
  tokens = { good, goodJti: m.jti, bad };
});
afterAll(() => {
  process.env = saved;
  env?.client.destroy();
});

const METHODS = ["log", "info", "warn", "error", "debug"] as const;

/** Every console line (one JSON document per call) while fn runs. */
function captureStdout<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const originals = METHODS.map((m) => console[m]);
  for (const m of METHODS) console[m] = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  return fn()
    .then((result) => ({ result, lines }))
    .finally(() => METHODS.forEach((m, i) => (console[m] = originals[i]!)));
}

test("the Lambda handler: response, one structured log line per failure, EMF metrics", async () => {
  const shard = new FakeShard();
  const records = [shard.record("k1", tokens.good), shard.record("k2", tokens.bad)];
  const { result, lines } = await captureStdout(() => handler.handler(event(records), localContext()));
  expect(result).toEqual({ batchItemFailures: [] });
  const json = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const rejected = json.find((l) => l.message === "records rejected");
  expect(rejected).toMatchObject({
    level: "WARN",
    outcome: "rejected",
    reason: "invalid_payload",
    shardId: shard.shardId,
    count: 1,
    records: [
      {
        sequenceNumber: records[1]!.kinesis.sequenceNumber,
        partitionKey: "k2",
        type: "deal.stage_changed",
        jti: expect.any(String),
        identityVerified: true,
      },
    ],
  });
  // Neither the record nor its payload reaches the logs (issue 10, item 4).
  expect(lines.join("\n")).not.toContain(records[1]!.kinesis.data.slice(0, 40));
  expect(lines.join("\n")).not.toMatch(/"raw"/);
  const emf = json.find((l) => l._aws !== undefined && (l as { processed?: number }).processed !== undefined);
  expect(emf).toMatchObject({ processed: 1, rejected: 1, duplicate: 0, failed: 0, batchSize: 2 });
  const byReason = json.find((l) => l.rejectedByReason !== undefined);
  expect(byReason).toMatchObject({ reason: "invalid_payload", rejectedByReason: 1 });
});

test("configuration is checked at cold start, naming the setting", () => {
  expect(() => consumerDepsFromEnv({ ...process.env, KJP_PROJECTIONS_TABLE: "" })).toThrow(
    ConfigurationError,
  );
  expect(() => consumerDepsFromEnv({ ...process.env, KJP_PROJECTIONS_TABLE: "" })).toThrow(
    /KJP_PROJECTIONS_TABLE/,
  );
  expect(() => consumerDepsFromEnv({ ...process.env, KJP_ISSUERS: "nope" })).toThrow(/KJP_ISSUERS/);
});

async function cli(args: string[]): Promise<string> {
  const out: string[] = [];
  const program = new Command("kjp").exitOverride();
  registerInvoke(program, { out: (t) => void out.push(t) });
  registerLedger(program, { out: (t) => void out.push(t) });
  await captureStdout(() => program.parseAsync(["node", "kjp", ...args]));
  return out.join("");
}

test("kjp invoke runs the handler on an event file and prints the response; kjp ledger get/list look inside", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kjp-invoke-"));
  const shard = new FakeShard();
  const since = new Date().toISOString();
  const file = join(dir, "event.json");
  writeFileSync(
    file,
    JSON.stringify(event([shard.record("k1", tokens.good), shard.record("k2", "garbage")])),
  );
  const printed = await cli(["invoke", "--event", file]);
  expect(JSON.parse(printed)).toEqual({ batchItemFailures: [] });

  const got = (await cli(["ledger", "get", tokens.goodJti, "--issuer", ISSUER])).trim().split("\n");
  expect(got.map((l) => JSON.parse(l))).toEqual([
    expect.objectContaining({ status: "done", jti: tokens.goodJti }),
  ]);
  const scanned = (await cli(["ledger", "get", tokens.goodJti])).trim().split("\n");
  expect(JSON.parse(scanned[0]!)).toMatchObject({ status: "done" });

  const listed = (await cli(["ledger", "list", "--status", "rejected", "--since", since, "--json"]))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(listed).toContainEqual(
    expect.objectContaining({ reason: "malformed", shardId: shard.shardId, failureStatus: "rejected" }),
  );
  expect(listed.every((l) => String(l.failedAt) >= since)).toBe(true);
  const table = await cli(["ledger", "list", "--status", "rejected", "--since", since]);
  expect(table).toMatch(/^failedAt\s+status\s+reason\s+type\s+jti\s+position\s+attempts\s+detail\n/);
  expect(table).toMatch(new RegExp(`rejected\\s+malformed\\s.*${shard.shardId}:`));

  await expect(cli(["ledger", "list", "--status", "done"])).rejects.toThrow(
    /--status must be rejected or failed/,
  );
  await expect(cli(["invoke", "--event", join(dir, "missing.json")])).rejects.toThrow(/cannot read/);
});

test("kjp invoke on an event built without any trusted key returns in seconds, acknowledges everything, records every record rejected (issue 10)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kjp-invoke-hostile-"));
  const shard = new FakeShard();
  const stranger = await generateSigningKey("ES256", "stranger-1");
  const forgeWith = (claims: Record<string, unknown>) =>
    forge(
      { alg: "ES256", kid: "stranger-1", typ: "kjp+jwt" },
      {
        iss: ISSUER,
        aud: AUDIENCE,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 600,
        jti: id("j"),
        type: "contact.upserted",
        v: 2,
        data: { email: "ada@example.com", givenName: "Ada", phone: "+44 20 7946 0000" },
        ...claims,
      },
      { alg: "ES256", privateJwk: stranger.privateJwk },
    );
  const records = [
    shard.record("k", forgeWith({ iss: "#".repeat(3_000), jti: "#".repeat(3_000) })),
    shard.record("k", forgeWith({ jti: "#".repeat(3_000) })),
    shard.record("k", forgeWith({ v: 1e300 })),
    shard.record("k", forgeWith({ v: 5e-324 })),
    shard.record("k", forgeWith({})),
    shard.record("k", Buffer.alloc(1_000_000, 0x41)),
    shard.record("k", "not a token"),
  ];
  const file = join(dir, "event.json");
  writeFileSync(file, JSON.stringify(event(records)));
  const started = Date.now();
  const out: string[] = [];
  const program = new Command("kjp").exitOverride();
  registerInvoke(program, { out: (t) => void out.push(t) });
  const { lines } = await captureStdout(() => program.parseAsync(["node", "kjp", "invoke", "--event", file]));
  const printed = out.join("");
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(JSON.parse(printed)).toEqual({ batchItemFailures: [] });
  for (const r of records) {
    const item = await env.client.send(
      new GetItemCommand({
        TableName: env.ledgerTable,
        Key: { pk: { S: recordLedgerKey(shard.shardId, r.kinesis.sequenceNumber) } },
        ConsistentRead: true,
      }),
    );
    expect(item.Item?.status?.S).toBe("rejected");
  }
  // A rejected contact.upserted leaves no personal data in the logs (issue 10, item 4).
  expect(lines.join("\n")).not.toMatch(/ada@example\.com|\+44 20 7946|"raw"/);
});
