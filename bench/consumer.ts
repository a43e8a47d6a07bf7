/**
 * npm run bench:consumer — records/s and DynamoDB requests/record of the consumer (handlers/consumer.ts:
 * middy + Powertools logger/metrics around lib/pipeline) on 10,000-record ES256 batches against DynamoDB
 * Local, next to a reference handler built the textbook way from Powertools BatchProcessor + Parser +
 * Idempotency (bench/reference-powertools-handler.ts) doing the same verification, validation and effects.
 * DynamoDB requests are counted by SDK middleware on both clients (every HTTP attempt, retries included).
 *
 * Env: BENCH_RECORDS (per batch, default 10000), BENCH_BATCHES (measured batches per side, default 1),
 * BENCH_ACCOUNTS (partition keys, default 1000), BENCH_NOTIFY_PERCENT (share of notes that notify, default 0),
 * BENCH_REFERENCE_PARALLEL (true: Powertools' default parallel processing, which ignores per-key order),
 * BENCH_COMMIT_CONCURRENCY (transactions in flight, default 2),
 * AWS_ENDPOINT_URL_DYNAMODB (use a running DynamoDB instead of starting DynamoDB Local).
 * The last line is one JSON object with the headline figures; `ours_park_check_extra_requests_per_record` is
 * what the park check (park markers riding on the dedupe prefetch) adds when no key is parked.
 */
import { randomBytes } from "node:crypto";
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { createConsumerHandler } from "../lib/pipeline/consumer-handler.js";
import { consumerDepsFromEnv } from "../handlers/wiring/consumer.js";
import { dynamoDbClient } from "../lib/aws/clients.js";
import { localContext } from "../cli/commands/invoke.js";
import { generateSigningKey } from "../lib/envelope/signing-keys.js";
import { createSigner, type Signer } from "../lib/envelope/sign.js";
import { uuidv7 } from "../lib/envelope/uuidv7.js";
import { ensureConsumerTables } from "../lib/ledger/tables.js";
import { startDynamoDbLocal } from "../dev/local/dynamodb-local.js";
import type { Emulator } from "../dev/local/emulator.js";
import { createProcessorRegistry } from "../processors/index.js";
import { DEAL_STAGES } from "../schemas/deal-stage-changed.v1.js";
import { registry } from "../schemas/index.js";
import { createReferenceHandler } from "./reference-powertools-handler.js";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 1);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1_000);
const NOTIFY_PERCENT = Number(process.env.BENCH_NOTIFY_PERCENT ?? 0);
const REFERENCE_PARALLEL = process.env.BENCH_REFERENCE_PARALLEL === "true";
/** DynamoDB Local runs transactions one at a time: more than 2 in flight only adds queueing (measured). */
const COMMIT_CONCURRENCY = Number(process.env.BENCH_COMMIT_CONCURRENCY ?? 2);
const ISSUER = "crm-rails";
const AUDIENCE = "crm-pipeline";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const rid = (prefix: string) =>
  `${prefix}_${[...randomBytes(12)].map((b) => ALNUM[b % ALNUM.length]).join("")}`;

/** Counts every HTTP attempt the client makes (inside the retry middleware). */
function countRequests(client: DynamoDBClient): {
  count: () => number;
  batchGets: () => number;
  reset: () => void;
} {
  let n = 0;
  let gets = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      n++;
      // The request's target header names the operation (DynamoDB_20120810.BatchGetItem).
      const target = (args.request as { headers?: Record<string, string> }).headers?.["x-amz-target"];
      if (target?.endsWith(".BatchGetItem")) gets++;
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "kjpBenchRequestCounter" },
  );
  return { count: () => n, batchGets: () => gets, reset: () => void (n = gets = 0) };
}

/** A realistic mix: deal stage changes (ADD totals), contact upserts (conditional put), notes. */
async function makeBatch(
  signer: Signer,
  accounts: string[],
  size: number,
  firstSeq: bigint,
): Promise<KinesisStreamEvent> {
  const records: KinesisStreamRecord[] = [];
  const shardId = "shardId-000000000000";
  for (let i = 0; i < size; i++) {
    const accountId = accounts[i % accounts.length]!;
    const kind = i % 20;
    let type: string;
    let v = 1;
    let data: Record<string, unknown>;
    if (kind < 10) {
      const to = DEAL_STAGES[i % DEAL_STAGES.length]!;
      const from = i % 3 === 0 ? null : DEAL_STAGES[(i + 1) % DEAL_STAGES.length]!;
      type = "deal.stage_changed";
      data = {
        dealId: rid("deal"),
        accountId,
        fromStage: from === to ? null : from,
        toStage: to,
        amountMinor: 1000 + (i % 5000),
        currency: i % 2 ? "EUR" : "USD",
        changedAt: "2026-11-24T09:30:00Z",
      };
    } else if (kind < 17) {
      type = "contact.upserted";
      v = 2;
      data = {
        contactId: `con_${accountId.slice(4, 14)}${i % 3}`,
        accountId,
        email: "ada@example.com",
        givenName: "Ada",
        familyName: "Lovelace",
        tags: ["vip"],
        updatedAt: new Date(Date.parse("2026-11-01T00:00:00Z") + i * 1000).toISOString(),
      };
    } else {
      type = "note.added";
      data = {
        noteId: rid("note"),
        accountId,
        authorId: "usr_Jd82hF0aQz11",
        body: "Call went well; send the proposal by Friday.",
        mentions: ["usr_Gh55kP0mRt22"],
        createdAt: "2026-11-24T10:02:33Z",
        notify: (i * 7919) % 100 < NOTIFY_PERCENT,
      };
    }
    const token = await signer.sign({ type, v, data, sub: accountId, jti: uuidv7() });
    const sequenceNumber = String(firstSeq + BigInt(i) * 1000n);
    records.push({
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: "aws:kinesis:record",
      eventVersion: "1.0",
      eventSource: "aws:kinesis",
      awsRegion: "us-east-1",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/bench",
      eventSourceARN: "arn:aws:kinesis:us-east-1:000000000000:stream/bench",
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: accountId,
        sequenceNumber,
        data: Buffer.from(token).toString("base64"),
        approximateArrivalTimestamp: Date.now() / 1000,
      },
    });
  }
  return { Records: records };
}

async function createIdempotencyTable(client: DynamoDBClient, name: string) {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
}

async function main() {
  let emulator: Emulator | undefined;
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB && !process.env.AWS_ENDPOINT_URL) {
    const t = Date.now();
    emulator = await startDynamoDbLocal({ inMemory: true });
    process.env.AWS_ENDPOINT_URL_DYNAMODB = emulator.endpoint;
    console.log(`DynamoDB Local started at ${emulator.endpoint} in ${Date.now() - t} ms`);
  }
  // Quiet handlers: the bench has no failures to log; EMF output would only interleave with the figures.
  process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
  process.env.POWERTOOLS_IDEMPOTENCY_DISABLED = "false";
  try {
    const run = Date.now().toString(36);
    const ours = { ledgerTable: `bench-ledger-${run}`, projectionsTable: `bench-projections-${run}` };
    const ref = {
      idempotencyTable: `bench-idempotency-${run}`,
      projectionsTable: `bench-ref-projections-${run}`,
    };
    const ourClient = dynamoDbClient();
    const refClient = dynamoDbClient();
    await ensureConsumerTables(ourClient, ours);
    await ensureConsumerTables(refClient, {
      ledgerTable: `bench-ref-unused-${run}`,
      projectionsTable: ref.projectionsTable,
    });
    await createIdempotencyTable(refClient, ref.idempotencyTable);
    const ourCount = countRequests(ourClient);
    const refCount = countRequests(refClient);

    const key = await generateSigningKey("ES256", "bench-es-1");
    const signer = await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience: AUDIENCE });
    // Our side is wired exactly as the Lambda is (handlers/wiring/consumer.ts), from an environment of its own.
    const logger = new Logger({ serviceName: "kjp-bench" });
    const ourHandler = createConsumerHandler({
      ...consumerDepsFromEnv(
        {
          KJP_LEDGER_TABLE: ours.ledgerTable,
          KJP_PROJECTIONS_TABLE: ours.projectionsTable,
          KJP_AUDIENCE: AUDIENCE,
          KJP_ISSUERS: JSON.stringify([{ issuer: ISSUER, keys: JSON.stringify({ keys: [key.publicJwk] }) }]),
          KJP_COMMIT_CONCURRENCY: String(COMMIT_CONCURRENCY),
        },
        ourClient,
        { logger },
      ),
      notifier: { notify: async () => undefined },
      metrics: new Metrics({ namespace: "kjp-bench", serviceName: "kjp-bench" }),
    });
    const processors = createProcessorRegistry();
    const refHandler = await createReferenceHandler({
      client: refClient,
      ...ref,
      publicJwk: key.publicJwk,
      issuer: ISSUER,
      audience: AUDIENCE,
      validator: registry,
      processors,
      processInParallel: REFERENCE_PARALLEL,
    });

    const accounts = Array.from({ length: ACCOUNTS }, () => rid("acc"));
    let t = Date.now();
    const warmup = await makeBatch(signer, accounts, 200, 10n ** 40n);
    const batches: KinesisStreamEvent[] = [];
    for (let b = 0; b < BATCHES; b++)
      batches.push(await makeBatch(signer, accounts, RECORDS, 10n ** 45n * BigInt(b + 1)));
    console.log(
      `signed ${BATCHES} x ${RECORDS} ES256 records over ${ACCOUNTS} partition keys in ${Date.now() - t} ms`,
    );

    // Warm up both (JIT, key import, sockets), then measure. Each side gets fresh messages.
    await ourHandler(warmup, localContext());
    await refHandler(warmup, localContext());
    const measure = async (
      name: string,
      handler: typeof ourHandler,
      counter: ReturnType<typeof countRequests>,
    ) => {
      counter.reset();
      let records = 0;
      let failures = 0;
      t = performance.now();
      for (const batch of batches) {
        const response = await handler(batch, localContext());
        records += batch.Records.length;
        failures += response.batchItemFailures.length;
      }
      const seconds = (performance.now() - t) / 1000;
      const perSecond = records / seconds;
      const requests = counter.count();
      // The dedupe prefetch alone needs one BatchGetItem per 100 records (each has its own identity); what
      // is above that is the park check riding along (the batch's partition keys, 100 per request).
      const dedupeGets = batches.reduce((n, b) => n + Math.ceil(b.Records.length / 100), 0);
      const parkCheckExtra = Math.max(0, counter.batchGets() - dedupeGets);
      console.log(
        `${name.padEnd(34)} ${records} records in ${seconds.toFixed(2)} s = ${perSecond.toFixed(0)} records/s, ${requests} DynamoDB requests (${(requests / records).toFixed(4)}/record), ${failures} batchItemFailures`,
      );
      return {
        perSecond,
        requestsPerRecord: requests / records,
        parkCheckExtraPerRecord: parkCheckExtra / records,
        records,
        failures,
      };
    };
    const o = await measure("ours (handlers/consumer.ts)", ourHandler, ourCount);
    const r = await measure(
      `reference (Powertools, ${REFERENCE_PARALLEL ? "parallel" : "sequential"})`,
      refHandler,
      refCount,
    );

    // Redelivery of the whole batch (Lambda retry after a timeout): all duplicates through the ledger.
    ourCount.reset();
    t = performance.now();
    await ourHandler(batches[0]!, localContext());
    const redeliverySeconds = (performance.now() - t) / 1000;
    console.log(
      `ours, same batch redelivered          ${RECORDS} duplicates in ${redeliverySeconds.toFixed(2)} s = ${(RECORDS / redeliverySeconds).toFixed(0)} records/s, ${(ourCount.count() / RECORDS).toFixed(4)} requests/record`,
    );

    if (o.failures || r.failures)
      console.log(`WARNING: batchItemFailures ours=${o.failures} reference=${r.failures}`);
    console.log(
      JSON.stringify({
        records: o.records,
        ours_per_s: Math.round(o.perSecond),
        reference_per_s: Math.round(r.perSecond),
        ratio: Number((o.perSecond / r.perSecond).toFixed(2)),
        ours_ddb_requests_per_record: Number(o.requestsPerRecord.toFixed(4)),
        reference_ddb_requests_per_record: Number(r.requestsPerRecord.toFixed(4)),
        ours_park_check_extra_requests_per_record: Number(o.parkCheckExtraPerRecord.toFixed(4)),
      }),
    );
    ourClient.destroy();
    refClient.destroy();
  } finally {
    await emulator?.stop();
  }
}

await main();
