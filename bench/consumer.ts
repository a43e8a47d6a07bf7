/**
 * npm run bench:consumer — records/s, DynamoDB requests and billed capacity units per record of the consumer
 * (handlers/consumer.ts: middy + Powertools logger/metrics around lib/pipeline) against DynamoDB Local, next to
 * the strongest ordered reference a Powertools user would write (bench/reference-powertools-handler.ts):
 * BatchProcessor + Parser + Idempotency, records grouped by partition key, keys concurrently with the
 * consumer's own bound, records of one key in order, doing the same verification, validation and effects.
 *
 * A scaling table: batch 100 / 1,000 / 10,000 records x 1 / 10 / 1,000 partition keys. Both sides get the same
 * signed batch (their tables are separate) and run back to back, ours then reference, cell after cell and
 * repetition after repetition (A B A B), so background load drifts over both alike. Small cells are repeated
 * more than big ones to keep the run short. Requests are counted by SDK middleware (every HTTP attempt, retries
 * included); write and read units from item sizes by DynamoDB's pricing rules (bench/capacity-units.ts).
 * The headline is the 10,000 x 1,000 cell; hot key is 10,000 records on one key.
 *
 * Env: BENCH_BATCH_SIZES (default 100,1000,10000), BENCH_KEYS (default 1,10,1000), BENCH_REPEATS (for the
 * 10,000-record cells, default 1; smaller cells run 2x and 3x as often), BENCH_NOTIFY_PERCENT (share of notes
 * that notify, default 0), BENCH_REFERENCE_MAX_BATCH (largest batch the reference runs; default all; the
 * headline is then the largest cell both ran), BENCH_REFERENCE_MODE (per-key | sequential | parallel, default per-key),
 * BENCH_COMMIT_CONCURRENCY (transactions in flight, default 2), AWS_ENDPOINT_URL_DYNAMODB (use a running
 * DynamoDB instead of starting DynamoDB Local).
 * Write units include global secondary index writes (the ledger's `activity` and `failures` indexes), counted
 * from the tables' own index definitions. The line before the last gives the headline cell's read units and
 * what the park check (park markers riding on the dedupe prefetch) adds when no key is parked; the last line
 * is one JSON object with the headline figures.
 */
import { randomBytes } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
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
import { dynamoDbClient } from "../lib/aws/dynamodb-client.js";
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
import { DEFAULT_PIPELINE_SETTINGS } from "../lib/pipeline/settings.js";
import { countCapacity, type CapacityCounter, describeIndexes } from "./capacity-units.js";
import { createReferenceHandler } from "./reference-powertools-handler.js";

const list = (value: string | undefined, fallback: number[]) =>
  value ? value.split(",").map((v) => Number(v.trim())) : fallback;
const BATCH_SIZES = list(process.env.BENCH_BATCH_SIZES, [100, 1_000, 10_000]);
const KEY_COUNTS = list(process.env.BENCH_KEYS, [1, 10, 1_000]);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 1);
/** On a loaded machine the reference's 10,000-record cells take minutes: this skips its bigger cells. */
const REFERENCE_MAX_BATCH = Number(process.env.BENCH_REFERENCE_MAX_BATCH ?? Infinity);
const NOTIFY_PERCENT = Number(process.env.BENCH_NOTIFY_PERCENT ?? 0);
const REFERENCE_MODE = (process.env.BENCH_REFERENCE_MODE ?? "per-key") as
  "per-key" | "sequential" | "parallel";
/** DynamoDB Local runs transactions one at a time: more than 2 in flight only adds queueing (measured). */
const COMMIT_CONCURRENCY = Number(process.env.BENCH_COMMIT_CONCURRENCY ?? 2);
/** The consumer's default key concurrency (lib/pipeline/settings.ts); the reference gets the same bound. */
const KEY_CONCURRENCY = DEFAULT_PIPELINE_SETTINGS.keyConcurrency;
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
  const tokens: Array<Promise<string>> = [];
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
    tokens.push(signer.sign({ type, v, data, sub: accountId, jti: uuidv7() }));
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
        data: "",
        approximateArrivalTimestamp: Date.now() / 1000,
      },
    });
  }
  const signed = await Promise.all(tokens);
  records.forEach((r, i) => (r.kinesis.data = Buffer.from(signed[i]!).toString("base64")));
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

interface Side {
  name: string;
  handler: (
    event: KinesisStreamEvent,
    context: ReturnType<typeof localContext>,
  ) => Promise<{
    batchItemFailures: unknown[];
  }>;
  requests: ReturnType<typeof countRequests>;
  capacity: CapacityCounter;
}

interface Tally {
  records: number;
  seconds: number;
  requests: number;
  /** BatchGetItem requests beyond the dedupe prefetch's one per 100 records: the park check's share. */
  parkCheckExtra: number;
  wcu: number;
  rcu: number;
  failures: number;
}

const emptyTally = (): Tally => ({
  records: 0,
  seconds: 0,
  requests: 0,
  parkCheckExtra: 0,
  wcu: 0,
  rcu: 0,
  failures: 0,
});

async function runOnce(side: Side, batch: KinesisStreamEvent, into: Tally): Promise<void> {
  side.requests.reset();
  side.capacity.reset();
  const t = performance.now();
  const response = await side.handler(batch, localContext());
  into.seconds += (performance.now() - t) / 1000;
  into.records += batch.Records.length;
  into.failures += response.batchItemFailures.length;
  into.requests += side.requests.count();
  // The dedupe prefetch alone needs one BatchGetItem per 100 records (each has its own identity); what is
  // above that is the park check riding along (the batch's partition keys, 100 per request).
  into.parkCheckExtra += Math.max(0, side.requests.batchGets() - Math.ceil(batch.Records.length / 100));
  into.wcu += side.capacity.wcu();
  into.rcu += side.capacity.rcu();
}

/** Small cells repeat more: their runs are short, so one slow moment would otherwise decide them. */
const repeatsFor = (size: number) => (size >= 10_000 ? REPEATS : size >= 1_000 ? 2 * REPEATS : 3 * REPEATS);

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
          KJP_KEY_CONCURRENCY: String(KEY_CONCURRENCY),
        },
        ourClient,
        { logger },
      ),
      notifier: { notify: async () => undefined },
      metrics: new Metrics({ namespace: "kjp-bench", serviceName: "kjp-bench" }),
    });
    const refHandler = await createReferenceHandler({
      client: refClient,
      ...ref,
      publicJwk: key.publicJwk,
      issuer: ISSUER,
      audience: AUDIENCE,
      validator: registry,
      processors: createProcessorRegistry(),
      mode: REFERENCE_MODE,
      keyConcurrency: KEY_CONCURRENCY,
    });
    const a: Side = {
      name: "ours",
      handler: ourHandler,
      requests: countRequests(ourClient),
      capacity: countCapacity(
        ourClient,
        await describeIndexes(ourClient, [ours.ledgerTable, ours.projectionsTable]),
      ),
    };
    const b: Side = {
      name: `powertools-${REFERENCE_MODE}`,
      handler: refHandler,
      requests: countRequests(refClient),
      capacity: countCapacity(
        refClient,
        await describeIndexes(refClient, [ref.idempotencyTable, ref.projectionsTable]),
      ),
    };

    // Both sides see the same batches: their ledgers/idempotency tables are separate, so each message is new
    // to each side. Repetitions get fresh messages (a repeat would only measure duplicates).
    let t = Date.now();
    const cells: Array<{ size: number; keys: number; batches: KinesisStreamEvent[] }> = [];
    let seq = 10n ** 45n;
    for (const keys of KEY_COUNTS) {
      const accounts = Array.from({ length: keys }, () => rid("acc"));
      for (const size of BATCH_SIZES) {
        const batches: KinesisStreamEvent[] = [];
        for (let r = 0; r < repeatsFor(size); r++) {
          batches.push(await makeBatch(signer, accounts, size, seq));
          seq += 10n ** 30n;
        }
        cells.push({ size, keys, batches });
      }
    }
    const signedCount = cells.reduce((n, c) => n + c.size * c.batches.length, 0);
    console.log(`signed ${signedCount} ES256 records in ${Date.now() - t} ms`);

    // Warm up both (JIT, key import, sockets), then measure.
    const warmup = await makeBatch(signer, [rid("acc"), rid("acc")], 200, 10n ** 40n);
    await a.handler(warmup, localContext());
    await b.handler(warmup, localContext());

    const tallies = new Map(cells.map((c) => [c, { a: emptyTally(), b: emptyTally() }]));
    const loadBefore = loadavg()[0]!;
    t = Date.now();
    const rounds = Math.max(...cells.map((c) => c.batches.length));
    for (let r = 0; r < rounds; r++) {
      for (const cell of cells) {
        const batch = cell.batches[r];
        if (!batch) continue;
        const tally = tallies.get(cell)!;
        await runOnce(a, batch, tally.a);
        if (cell.size <= REFERENCE_MAX_BATCH) await runOnce(b, batch, tally.b);
      }
    }
    const loadAfter = loadavg()[0]!;
    console.log(
      `measured in ${((Date.now() - t) / 1000).toFixed(0)} s; load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (${availableParallelism()} cores)`,
    );

    const perMessage = (x: Tally, field: keyof Tally) => x[field] / x.records;
    const header = [
      "batch",
      "keys",
      "runs",
      "ours/s",
      "ref/s",
      "ratio",
      "ours req/rec",
      "ref req/rec",
      "ours WCU/msg",
      "ref WCU/msg",
      "ours RCU/msg",
      "ref RCU/msg",
    ];
    console.log(`reference: ${b.name}, key concurrency ${KEY_CONCURRENCY} on both sides`);
    console.log(header.map((h) => h.padStart(13)).join(""));
    for (const cell of cells) {
      const { a: x, b: y } = tallies.get(cell)!;
      const ran = y.records > 0;
      const refFig = (v: string) => (ran ? v : "-");
      const row = [
        cell.size,
        cell.keys,
        cell.batches.length,
        (x.records / x.seconds).toFixed(0),
        refFig((y.records / y.seconds).toFixed(0)),
        refFig((y.seconds / x.seconds).toFixed(2)),
        perMessage(x, "requests").toFixed(4),
        refFig(perMessage(y, "requests").toFixed(4)),
        perMessage(x, "wcu").toFixed(2),
        refFig(perMessage(y, "wcu").toFixed(2)),
        perMessage(x, "rcu").toFixed(2),
        refFig(perMessage(y, "rcu").toFixed(2)),
      ];
      console.log(row.map((v) => String(v).padStart(13)).join(""));
      if (x.failures || y.failures)
        console.log(`WARNING: batchItemFailures ours=${x.failures} reference=${y.failures}`);
    }

    const biggest = Math.max(...BATCH_SIZES);
    const refBiggest = Math.max(...BATCH_SIZES.filter((n) => n <= REFERENCE_MAX_BATCH));
    const headlineCell =
      cells.find((c) => c.size === refBiggest && c.keys === Math.max(...KEY_COUNTS)) ?? cells.at(-1)!;
    const hotCell = cells.find((c) => c.size === biggest && c.keys === 1);
    const headline = tallies.get(headlineCell)!;

    // Redelivery of a whole batch (Lambda retry after a timeout): all duplicates through the ledger.
    const redelivered = emptyTally();
    await runOnce(a, headlineCell.batches[0]!, redelivered);
    console.log(
      `ours, ${headlineCell.size} x ${headlineCell.keys} batch redelivered: ${(redelivered.records / redelivered.seconds).toFixed(0)} records/s, ${perMessage(redelivered, "requests").toFixed(4)} requests/record`,
    );

    const hot = hotCell ? tallies.get(hotCell)!.a : undefined;
    console.log(
      JSON.stringify({
        ours_rcu_per_message: Number(perMessage(headline.a, "rcu").toFixed(2)),
        reference_rcu_per_message: Number(perMessage(headline.b, "rcu").toFixed(2)),
        hot_key_wcu_per_message: hot ? Number(perMessage(hot, "wcu").toFixed(2)) : null,
        park_check_extra_requests_per_record: Number(perMessage(headline.a, "parkCheckExtra").toFixed(4)),
      }),
    );
    console.log(
      JSON.stringify({
        records: headline.a.records,
        ours_per_s: Math.round(headline.a.records / headline.a.seconds),
        reference: b.name,
        reference_per_s: Math.round(headline.b.records / headline.b.seconds),
        ratio: Number((headline.b.seconds / headline.a.seconds).toFixed(2)),
        ours_ddb_requests_per_record: Number(perMessage(headline.a, "requests").toFixed(4)),
        reference_ddb_requests_per_record: Number(perMessage(headline.b, "requests").toFixed(4)),
        ours_wcu_per_message: Number(perMessage(headline.a, "wcu").toFixed(2)),
        reference_wcu_per_message: Number(perMessage(headline.b, "wcu").toFixed(2)),
        hot_key_ddb_requests_per_record: hot ? Number(perMessage(hot, "requests").toFixed(4)) : null,
      }),
    );
    ourClient.destroy();
    refClient.destroy();
  } finally {
    await emulator?.stop();
  }
}

await main();
