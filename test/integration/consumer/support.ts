import { randomBytes } from "node:crypto";
import { type DynamoDBClient, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { JWK } from "jose";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { parseJwks } from "../../../lib/envelope/keysets/jwks.js";
import { createStaticKeySet } from "../../../lib/envelope/keysets/static-key-set.js";
import { createSigner, type Signer } from "../../../lib/envelope/sign.js";
import { uuidv7 } from "../../../lib/envelope/uuidv7.js";
import { createVerifier } from "../../../lib/envelope/verify.js";
import { fromAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { messageLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { ensureConsumerTables } from "../../../lib/ledger/tables.js";
import { createBatchPipeline } from "../../../lib/pipeline/pipeline.js";
import type { BatchPipeline, PipelineDeps, VerifyFn } from "../../../lib/pipeline/types.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import { registry } from "../../../schemas/index.js";
import { toEventRecord } from "../../../lib/kinesis/event-record.js";

export const ISSUER = "crm-rails";
export const AUDIENCE = "crm-pipeline";

/** Table names from the integration harness, or our own when run against a bare DynamoDB Local. */
export function tables() {
  return {
    ledgerTable: process.env.KJP_LEDGER_TABLE ?? "kjp-test-ledger",
    projectionsTable: process.env.KJP_PROJECTIONS_TABLE ?? "kjp-test-projections",
  };
}

export interface TestEnv {
  client: DynamoDBClient;
  signer: Signer;
  /** The trusted issuer's private key, for tests that forge what no honest signer would sign. */
  privateJwk: JWK;
  verify: VerifyFn;
  ledgerTable: string;
  projectionsTable: string;
}

export async function setUpEnv(): Promise<TestEnv> {
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB && !process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      "AWS_ENDPOINT_URL_DYNAMODB is not set: run under `npm run test:integration` (or point it at DynamoDB Local)",
    );
  }
  const client = dynamoDbClient();
  const names = tables();
  await ensureConsumerTables(client, names);
  const key = await generateSigningKey("ES256", "test-es-1");
  const signer = await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience: AUDIENCE });
  const verifier = createVerifier({
    audience: AUDIENCE,
    issuers: [
      {
        issuer: ISSUER,
        keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [key.publicJwk] }), "test")),
      },
    ],
    validator: registry,
  });
  return { client, signer, privateJwk: key.privateJwk, verify: (t) => verifier.verify(t), ...names };
}

/**
 * The file's environment, set up once in beforeAll and its client released in afterAll. The object is
 * returned at once (filled in by beforeAll) so a test file can hold it in a top-level const.
 */
export function useTestEnv(): TestEnv {
  const env = {} as TestEnv;
  beforeAll(async () => {
    Object.assign(env, await setUpEnv());
  });
  afterAll(() => (env as Partial<TestEnv>).client?.destroy());
  return env;
}

/** The batch pipeline on the test tables with the real processors; a test overrides only what it varies. */
export function pipelineFor(env: TestEnv, overrides: Partial<PipelineDeps> = {}): BatchPipeline {
  return createBatchPipeline({
    verify: env.verify,
    processors: createProcessorRegistry(),
    dynamodb: env.client,
    ledgerTable: env.ledgerTable,
    projectionsTable: env.projectionsTable,
    ...overrides,
  });
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export function id(prefix: string): string {
  const bytes = randomBytes(12);
  return `${prefix}_${[...bytes].map((b) => ALNUM[b % ALNUM.length]).join("")}`;
}

export interface Message {
  jti: string;
  type: string;
  v: number;
  data: Record<string, unknown>;
  sub?: string;
}

export const contactMessage = (
  accountId: string,
  contactId: string,
  updatedAt: string,
  givenName = "Ada",
): Message => ({
  jti: uuidv7(),
  type: "contact.upserted",
  v: 2,
  sub: accountId,
  data: {
    contactId,
    accountId,
    email: "ada@example.com",
    givenName,
    familyName: "Lovelace",
    tags: [],
    updatedAt,
  },
});

export const dealMessage = (
  accountId: string,
  fromStage: string | null,
  toStage: string,
  amountMinor: number,
  currency = "EUR",
): Message => ({
  jti: uuidv7(),
  type: "deal.stage_changed",
  v: 1,
  sub: accountId,
  data: {
    dealId: id("deal"),
    accountId,
    fromStage,
    toStage,
    amountMinor,
    currency,
    changedAt: "2026-11-24T09:30:00Z",
  },
});

export const noteMessage = (accountId: string, notify: boolean, noteId = id("note")): Message => ({
  jti: uuidv7(),
  type: "note.added",
  v: 1,
  sub: accountId,
  data: {
    noteId,
    accountId,
    authorId: "usr_Jd82hF0aQz11",
    body: "Call went well.",
    mentions: ["usr_Gh55kP0mRt22"],
    createdAt: "2026-11-24T10:02:33Z",
    notify,
  },
});

export const sign = (env: TestEnv, m: Message): Promise<string> =>
  env.signer.sign({ type: m.type, v: m.v, data: m.data, jti: m.jti, ...(m.sub ? { sub: m.sub } : {}) });

/** A shard of a fake stream: hands out increasing sequence numbers, like Kinesis (numeric strings). */
export class FakeShard {
  readonly shardId = `shardId-${String(Math.floor(Math.random() * 1e12)).padStart(12, "0")}`;
  private next = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;
  record(partitionKey: string, token: string | Buffer): KinesisStreamRecord {
    const sequenceNumber = String(this.next);
    this.next += 1_000_000n;
    return toEventRecord(
      {
        shardId: this.shardId,
        sequenceNumber,
        partitionKey,
        data: Buffer.from(token),
        approximateArrivalMs: Date.now(),
      },
      {
        awsRegion: "us-east-1",
        invokeIdentityArn: "arn:aws:iam::000000000000:role/test",
        eventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/test",
      },
    );
  }
}

export const event = (records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });

export async function accountItems(
  env: TestEnv,
  accountId: string,
): Promise<Record<string, Record<string, unknown>>> {
  const out = await env.client.send(
    new QueryCommand({
      TableName: env.projectionsTable,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `account#${accountId}` } },
      ConsistentRead: true,
    }),
  );
  const items: Record<string, Record<string, unknown>> = {};
  for (const item of out.Items ?? []) {
    const plain = fromAttributeMap(item);
    items[String(plain.sk)] = plain as Record<string, unknown>;
  }
  return items;
}

export async function ledgerItem(env: TestEnv, pk: string): Promise<Record<string, unknown> | undefined> {
  const out = await env.client.send(
    new GetItemCommand({ TableName: env.ledgerTable, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return out.Item ? (fromAttributeMap(out.Item) as Record<string, unknown>) : undefined;
}

export const markerOf = (env: TestEnv, m: Message) => ledgerItem(env, messageLedgerKey(ISSUER, m.jti));

/** Signs concurrently, then appends to the shard in the given order (sequence numbers follow list order). */
export async function recordsOf(
  env: TestEnv,
  shard: FakeShard,
  entries: [partitionKey: string, message: Message][],
): Promise<KinesisStreamRecord[]> {
  const tokens = await Promise.all(entries.map(([, m]) => sign(env, m)));
  return entries.map(([key], i) => shard.record(key, tokens[i]!));
}
