import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
} from "@aws-sdk/client-kinesis";
import type { JWK } from "jose";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../../lib/aws/kinesis-client.js";
import { logsClient } from "../../../lib/aws/logs-client.js";
import { s3Client } from "../../../lib/aws/s3-client.js";
import { sqsClient } from "../../../lib/aws/sqs-client.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { fromAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { messageLedgerKey, recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { projectRoot } from "../../../lib/util/project-root.js";
import { createConsumerHandler } from "../../../lib/pipeline/consumer-handler.js";
import { consumerDepsFromEnv } from "../../../handlers/wiring/consumer.js";
import { EventSourceMappingRunner } from "../../../dev/runner/runner.js";
import { readStreamEventSettings } from "../../../dev/service-definition/stream-event.js";
import { expectedPipelineTotals, planGemWorkload, type GemMessage } from "./gem-messages.js";
import { readStream, type StreamEntry } from "./read-stream.js";
import { publishWithGem, requireRuby, type PublishedMessage } from "./ruby-publisher.js";
import { compareSequenceNumbers } from "../../../lib/kinesis/sequence.js";
import { consumerEnvFor } from "../setup/consumer-env.js";

/**
 * Issue 5's end-to-end path with nothing stood in: the Rails gem (in a Ruby process, fire-and-forget
 * `publish`) signs with ES256 and EdDSA keys and puts real records into kinesis-mock, and so does a Rails app
 * (the gem's test app, producers/ruby/test/rails/app) whose controller publishes on HTTP requests with the
 * request's account as subject and partition key; the event source mapping
 * runner feeds them to the real consumer handler; the ledger and projections in DynamoDB Local say what
 * happened. The stream is this test's own, so the runner sees only these records.
 */

const AUDIENCE = "gem-e2e-pipeline";
const ISSUERS = { es256: "gem-crm-rails", eddsa: "gem-billing-rails", rails: "gem-rails-app" } as const;

const kinesis = kinesisClient();
const dynamodb = dynamoDbClient();
const runnerClients = { kinesis, sqs: sqsClient(), s3: s3Client(), logs: logsClient() };

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run under \`npm run test:integration\``);
  return value;
}

async function createStream(name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 200; i++) {
    const { StreamDescriptionSummary: d } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (d?.StreamStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

function writeJson(path: string, value: unknown, mode = 0o644): string {
  writeFileSync(path, `${JSON.stringify(value)}\n`, { mode });
  return path;
}

async function ledgerItem(pk: string): Promise<Record<string, unknown> | undefined> {
  const out = await dynamodb.send(
    new GetItemCommand({ TableName: env("KJP_LEDGER_TABLE"), Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return out.Item ? (fromAttributeMap(out.Item) as Record<string, unknown>) : undefined;
}

async function projections(accountId: string): Promise<Map<string, Record<string, unknown>>> {
  const out = await dynamodb.send(
    new QueryCommand({
      TableName: env("KJP_PROJECTIONS_TABLE"),
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `account#${accountId}` } },
      ConsistentRead: true,
    }),
  );
  return new Map(
    (out.Items ?? []).map((item) => {
      const plain = fromAttributeMap(item) as Record<string, unknown>;
      return [String(plain.sk), plain];
    }),
  );
}

interface Sent {
  issuer: string;
  message: GemMessage;
  published: PublishedMessage;
}

const workload = planGemWorkload();
const sent: Sent[] = [];
const ledger = new Map<string, Record<string, unknown> | undefined>();
/** The stream's records by jti. */
const stream = new Map<string, StreamEntry>();
let streamRecords: StreamEntry[] = [];
/** Items keyed by stream position (`rec#…`), by jti: where the pipeline records rejections without a signed identity. */
const rejections = new Map<string, Record<string, unknown> | undefined>();
let workDir: string;
let streamName: string;
let runner: EventSourceMappingRunner | undefined;

beforeAll(async () => {
  requireRuby();
  workDir = mkdtempSync(join(tmpdir(), "kjp-gem-e2e-"));
  streamName = `kjp-gem-e2e-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  await createStream(streamName, 2);

  const stamp = Date.now().toString(36);
  const es256 = await generateSigningKey("ES256", `gem-es256-${stamp}`);
  const eddsa = await generateSigningKey("EdDSA", `gem-eddsa-${stamp}`);
  const railsApp = await generateSigningKey("ES256", `gem-rails-app-${stamp}`);
  const keyFiles = (name: string, key: { privateJwk: JWK; publicJwk: JWK }) => ({
    privatePath: writeJson(join(workDir, `private.${name}.json`), key.privateJwk, 0o600),
    jwksPath: writeJson(join(workDir, `jwks.${name}.json`), { keys: [key.publicJwk] }),
  });
  const es256Files = keyFiles("es256", es256);
  const eddsaFiles = keyFiles("eddsa", eddsa);
  const railsFiles = keyFiles("rails", railsApp);

  const consumerEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...consumerEnvFor(
      { ledgerTable: env("KJP_LEDGER_TABLE"), projectionsTable: env("KJP_PROJECTIONS_TABLE") },
      {
        audience: AUDIENCE,
        issuers: [
          { issuer: ISSUERS.es256, keys: `file:${es256Files.jwksPath}` },
          { issuer: ISSUERS.eddsa, keys: `file:${eddsaFiles.jwksPath}` },
          { issuer: ISSUERS.rails, keys: `file:${railsFiles.jwksPath}` },
        ],
      },
    ),
  };
  const settings = readStreamEventSettings(join(projectRoot(), "serverless.yml"), { stage: "local" });
  runner = new EventSourceMappingRunner({
    handler: createConsumerHandler(consumerDepsFromEnv(consumerEnv, dynamodb)),
    // serverless.yml's mapping (batch size, window, retries, bisect) on a stream that holds only our records
    settings: { ...settings, startingPosition: "TRIM_HORIZON" },
    streamName,
    stateDir: join(workDir, "runner"),
    clients: runnerClients,
    pollIntervalMs: 50,
    logFlushIntervalMs: 200,
  });
  await runner.start();

  // One after the other: the order across the two producers on a shared key is then the publish order too.
  const endpoint = process.env.AWS_ENDPOINT_URL_KINESIS ?? env("AWS_ENDPOINT_URL");
  for (const [name, files, messages, script] of [
    ["es256", es256Files, workload.es256, "e2e-publish"],
    ["eddsa", eddsaFiles, workload.eddsa, "e2e-publish"],
    ["rails", railsFiles, workload.rails, "e2e-rails-requests"],
  ] as const) {
    const published = await publishWithGem({
      script,
      endpoint,
      streamName,
      issuer: ISSUERS[name],
      audience: AUDIENCE,
      keyPath: files.privatePath,
      workDir,
      messages,
    });
    published.forEach((p, i) => sent.push({ issuer: ISSUERS[name], message: messages[i]!, published: p }));
  }

  await runner.drain({ timeoutMs: 20_000 });
  streamRecords = await readStream(kinesis, streamName);
  for (const r of streamRecords) stream.set(String(r.claims.jti), r);
  await Promise.all(
    sent.map(async (s) => {
      ledger.set(s.published.jti, await ledgerItem(messageLedgerKey(s.issuer, s.published.jti)));
      const where = stream.get(s.published.jti);
      if (where) {
        rejections.set(
          s.published.jti,
          await ledgerItem(recordLedgerKey(where.shardId, where.sequenceNumber)),
        );
      }
    }),
  );
});

afterAll(async () => {
  await runner?.stop();
  await kinesis
    .send(new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true }))
    .catch(() => undefined);
  for (const c of Object.values(runnerClients)) c.destroy();
  dynamodb.destroy();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const invalid = () => workload.eddsa[workload.invalidIndex]!;

test("the workload covers every registered type and version, both algorithms and one bad payload", () => {
  const kinds = new Set(sent.map((s) => `${s.message.type}@${s.message.v}`));
  expect([...kinds].sort()).toEqual([
    "contact.upserted@1",
    "contact.upserted@2",
    "deal.stage_changed@1",
    "note.added@1",
  ]);
  expect(sent.length).toBe(workload.es256.length + workload.eddsa.length + workload.rails.length);
  expect(sent.filter((s) => s.issuer === ISSUERS.rails).length).toBe(workload.rails.length);
  expect(sent.length).toBeLessThanOrEqual(60);
  expect(new Set(sent.map((s) => s.published.partition_key)).size).toBe(workload.accounts.length);
  expect(workload.invalidIndex).toBeGreaterThanOrEqual(0);
  // the script reports the messages in input order, each with its own jti
  sent.forEach((s) => {
    expect(s.published.type).toBe(s.message.type);
    expect(s.published.partition_key).toBe(s.message.partition_key);
  });
  expect(new Set(sent.map((s) => s.published.jti)).size).toBe(sent.length);
});

test("every message the gem published is done in the ledger, keyed by its issuer and jti", () => {
  const notDone = sent
    .filter((s) => s.message !== invalid() && ledger.get(s.published.jti)?.status !== "done")
    .map((s) => {
      const item = ledger.get(s.published.jti) ?? rejections.get(s.published.jti);
      const what = item
        ? `${String(item.status)} ${String(item.reason)}: ${String(item.detail)}`
        : "no ledger item";
      return `${s.message.type} ${s.published.jti}: ${what}`;
    });
  expect(notDone).toEqual([]);
  for (const s of sent.filter((x) => x.message !== invalid())) {
    expect(ledger.get(s.published.jti)).toMatchObject({
      iss: s.issuer,
      jti: s.published.jti,
      type: s.message.type,
      sub: s.message.sub,
      partitionKey: s.message.partition_key,
    });
  }
  expect(runner?.stats.discardedRecords).toBe(0);
  expect(runner?.stats.functionErrors).toBe(0);
});

test("the message with a bad payload is rejected as invalid_payload, and its key's later records still apply", () => {
  const bad = sent.find((s) => s.message === invalid())!;
  // its signature verified, so its iss/jti are authentic: the rejection is recorded under its message key
  // (docs/architecture.md §4), with its place in the stream, and nothing is keyed by that place
  const where = stream.get(bad.published.jti);
  expect(where).toBeDefined();
  const item = ledger.get(bad.published.jti);
  expect(item).toMatchObject({
    status: "rejected",
    reason: "invalid_payload",
    iss: ISSUERS.eddsa,
    jti: bad.published.jti,
    type: "deal.stage_changed",
    partitionKey: bad.message.partition_key,
    shardId: where!.shardId,
    sequenceNumber: where!.sequenceNumber,
  });
  expect(rejections.get(bad.published.jti)).toBeUndefined();
  expect(String(item?.detail)).toContain("toStage");
  const later = sent.filter(
    (s) => s.message.partition_key === bad.message.partition_key && sent.indexOf(s) > sent.indexOf(bad),
  );
  expect(later.length).toBeGreaterThan(0);
  for (const s of later) expect(ledger.get(s.published.jti)?.status).toBe("done");
});

test("the projections hold each account's pipeline totals, contacts and notes", async () => {
  for (const accountId of workload.accounts) {
    const items = await projections(accountId);
    const currencies = new Set(
      workload.deals.filter((d) => d.accountId === accountId).map((d) => d.currency),
    );
    for (const currency of currencies) {
      const totals = items.get(`pipeline#${currency}`);
      const expected = expectedPipelineTotals(workload.deals, accountId, currency);
      expect({ account: accountId, currency, totals: pick(totals, Object.keys(expected)) }).toEqual({
        account: accountId,
        currency,
        totals: expected,
      });
    }
    for (const s of sent.filter((x) => x.message.partition_key === accountId && x.message !== invalid())) {
      const data = s.message.data;
      if (s.message.type === "contact.upserted") {
        expect(items.get(`contact#${String(data.contactId)}`)).toMatchObject({
          email: data.email,
          sourceJti: s.published.jti,
          // v1's single name is upcast to v2's given/family names before processing
          givenName: s.message.v === 1 ? String(data.name).split(" ")[0] : data.givenName,
        });
      } else if (s.message.type === "note.added") {
        expect(items.get(`note#${String(data.noteId)}`)).toMatchObject({
          body: data.body,
          sourceJti: s.published.jti,
        });
      }
    }
    const pipelineItems = [...items.keys()].filter((k) => k.startsWith("pipeline#"));
    expect(pipelineItems.sort()).toEqual([...currencies].map((c) => `pipeline#${c}`).sort());
  }
});

test("the stream holds exactly the gem's records, signed for this pipeline by the right issuer", () => {
  expect(streamRecords.length).toBe(sent.length);
  for (const s of sent) {
    const r = stream.get(s.published.jti);
    expect(r).toBeDefined();
    expect(r!.partitionKey).toBe(s.message.partition_key);
    expect(r!.claims).toMatchObject({
      iss: s.issuer,
      aud: AUDIENCE,
      type: s.message.type,
      v: s.message.v,
      sub: s.message.sub,
      data: s.message.data,
    });
    // the consumer processed the record the producer put there, not some other copy
    const item = ledger.get(s.published.jti);
    if (item)
      expect({ shardId: item.shardId, sequenceNumber: item.sequenceNumber }).toEqual({
        shardId: r!.shardId,
        sequenceNumber: r!.sequenceNumber,
      });
  }
});

test("per partition key, the stream holds the records in publish order, on one shard", () => {
  expect(new Set(streamRecords.map((r) => r.shardId)).size).toBeGreaterThan(1);
  for (const accountId of workload.accounts) {
    const published = sent.filter((s) => s.message.partition_key === accountId).map((s) => s.published.jti);
    const ofKey = streamRecords.filter((r) => r.partitionKey === accountId);
    expect(new Set(ofKey.map((r) => r.shardId)).size).toBe(1);
    const streamOrder = [...ofKey]
      .sort((a, b) => compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber))
      .map((r) => String(r.claims.jti));
    expect({ accountId, order: streamOrder }).toEqual({ accountId, order: published });
  }
});

function pick(item: Record<string, unknown> | undefined, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, item?.[k]]));
}
