/**
 * npm run bench:aggregation — how many messages a Kinesis shard can take, plain vs KPL-aggregated.
 *
 * A shard accepts 1,000 records/s and 1 MiB/s (partition key + data). For each mode the figure is the lowest of:
 * the record limit times the messages per Kinesis record, the byte limit over the bytes per message, the
 * producer's throughput and the consumer's throughput (Lambda runs one batch per shard at a time). Messages per
 * record and bytes per message come from what the real publisher (lib/producer, `aggregate: true`) hands to
 * PutRecords for BENCH_MESSAGE_BYTES-byte user records (default 300) published in bursts over BENCH_KEYS
 * partition keys per shard (default 20). Producer throughput is measured on that publisher with an in-memory
 * PutRecords (signing excluded: it costs the same in both modes). Consumer throughput is the consumer handler
 * (handlers/wiring, real ES256 verification, DynamoDB Local) on the same signed messages, once as plain records
 * and as aggregates, alternating, best of BENCH_ROUNDS (default 3). Env: BENCH_MESSAGE_BYTES, BENCH_KEYS,
 * BENCH_PRODUCER_MESSAGES (default 100000), BENCH_CONSUMER_MESSAGES (default 4000), BENCH_CONSUMER_KEYS
 * (default 200), AWS_ENDPOINT_URL_DYNAMODB (use a running DynamoDB).
 * The last line is one JSON object with the headline figures.
 */
import { randomBytes } from "node:crypto";
import type { PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { KinesisStreamEvent } from "aws-lambda";
import { localContext } from "../cli/commands/invoke.js";
import { startDynamoDbLocal } from "../dev/local/dynamodb-local.js";
import type { Emulator } from "../dev/local/emulator.js";
import { consumerDepsFromEnv } from "../handlers/wiring/consumer.js";
import { dynamoDbClient } from "../lib/aws/dynamodb-client.js";
import { createSigner } from "../lib/envelope/sign.js";
import { generateSigningKey } from "../lib/envelope/signing-keys.js";
import { uuidv7 } from "../lib/envelope/uuidv7.js";
import { loadKeySet } from "../lib/envelope/keysets/load-key-set.js";
import { createVerifier } from "../lib/envelope/verify.js";
import { decodeRecords } from "../lib/pipeline/decode.js";
import { registry } from "../schemas/index.js";
import { toEvent } from "../lib/kinesis/event-record.js";
import { ensureConsumerTables } from "../lib/ledger/tables.js";
import { createConsumerHandler } from "../lib/pipeline/consumer-handler.js";
import { packGroup } from "../lib/producer/aggregation.js";
import { Publisher } from "../lib/producer/publisher.js";

const SHARD_RECORDS_PER_S = 1000;
const SHARD_BYTES_PER_S = 1024 * 1024;
const MESSAGE_BYTES = Number(process.env.BENCH_MESSAGE_BYTES ?? 300);
const KEYS = Number(process.env.BENCH_KEYS ?? 20);
const PRODUCER_MESSAGES = Number(process.env.BENCH_PRODUCER_MESSAGES ?? 100_000);
const CONSUMER_MESSAGES = Number(process.env.BENCH_CONSUMER_MESSAGES ?? 4000);
/** Keys in the consumer's batches: its commits run in order per key, so few keys measure DynamoDB latency only. */
const CONSUMER_KEYS = Number(process.env.BENCH_CONSUMER_KEYS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ISSUER = "crm-rails";
const AUDIENCE = "crm-pipeline";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const rid = (prefix: string) =>
  `${prefix}_${[...randomBytes(12)].map((b) => ALNUM[b % ALNUM.length]).join("")}`;
const keys = Array.from({ length: KEYS }, () => rid("acc"));
const consumerKeys = Array.from({ length: CONSUMER_KEYS }, () => rid("acc"));

interface ProducerRun {
  msgsPerS: number;
  records: number;
  messages: number;
  bytes: number;
}

/** The publisher in one mode, fed MESSAGE_BYTES-byte tokens as fast as it takes them; PutRecords in memory. */
async function runProducer(aggregate: boolean): Promise<ProducerRun> {
  const token = "t".repeat(MESSAGE_BYTES);
  let records = 0;
  let bytes = 0;
  const putRecords = (entries: PutRecordsRequestEntry[]) => {
    records += entries.length;
    for (const e of entries) bytes += Buffer.byteLength(e.PartitionKey!, "utf8") + e.Data!.length;
    return Promise.resolve({
      Records: entries.map((_, i) => ({
        SequenceNumber: String(records + i),
        ShardId: "shardId-000000000000",
      })),
      FailedRecordCount: 0,
    });
  };
  const publisher = new Publisher({
    signer: { sign: () => Promise.resolve(token) },
    putRecords,
    aggregate,
    lingerMs: 20,
    maxQueueRecords: 50_000,
  });
  const started = performance.now();
  for (let i = 0; i < PRODUCER_MESSAGES; i++)
    await publisher.publish({
      type: "note.added",
      v: 1,
      data: {},
      partitionKey: keys[i % KEYS]!,
      jti: `j${i}`,
    });
  await publisher.close(60_000);
  const seconds = (performance.now() - started) / 1000;
  return { msgsPerS: PRODUCER_MESSAGES / seconds, records, messages: PRODUCER_MESSAGES, bytes };
}

/** What one shard takes, per limit, given a producer run. */
function shardBounds(run: ProducerRun) {
  const msgsPerRecord = run.messages / run.records;
  const bytesPerMsg = run.bytes / run.messages;
  return {
    msgsPerRecord,
    bytesPerMsg,
    byRecords: SHARD_RECORDS_PER_S * msgsPerRecord,
    byBytes: SHARD_BYTES_PER_S / bytesPerMsg,
  };
}

async function signedNotes(n: number) {
  const key = await generateSigningKey("ES256", "bench-agg-1");
  const signer = await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience: AUDIENCE });
  const make = async () => {
    const out: { partitionKey: string; token: Buffer }[] = [];
    for (let i = 0; i < n; i++) {
      const accountId = consumerKeys[i % CONSUMER_KEYS]!;
      const token = await signer.sign({
        type: "note.added",
        v: 1,
        sub: accountId,
        jti: uuidv7(),
        data: {
          noteId: rid("note"),
          accountId,
          authorId: "usr_Jd82hF0aQz11",
          body: "Call went well.",
          mentions: [],
          createdAt: "2026-11-24T10:02:33Z",
          notify: false,
        },
      });
      out.push({ partitionKey: accountId, token: Buffer.from(token, "ascii") });
    }
    return out;
  };
  return { publicJwk: key.publicJwk, make };
}

/** The messages as Lambda would deliver them: one record each, or packed per key as the publisher packs them. */
function eventOf(messages: { partitionKey: string; token: Buffer }[], aggregate: boolean, base: bigint) {
  const entries: PutRecordsRequestEntry[] = [];
  if (!aggregate) for (const m of messages) entries.push({ PartitionKey: m.partitionKey, Data: m.token });
  else {
    const byKey = new Map<string, { partitionKey: string; token: Uint8Array; seq: number }[]>();
    messages.forEach((m, seq) => {
      const group = byKey.get(m.partitionKey) ?? [];
      group.push({ partitionKey: m.partitionKey, token: m.token, seq });
      byKey.set(m.partitionKey, group);
    });
    for (const group of byKey.values()) {
      // Aggregates of at most 51,200 bytes, the publisher's default bound (about 70 of these notes).
      let current: typeof group = [];
      let size = 0;
      for (const m of group) {
        if (current.length > 0 && size + m.token.length + 8 > 51_000) {
          entries.push(packGroup(current.map((c) => ({ ...c, bytes: 0, notBefore: 0 }))));
          current = [];
          size = 0;
        }
        current.push(m);
        size += m.token.length + 8;
      }
      if (current.length > 0) entries.push(packGroup(current.map((c) => ({ ...c, bytes: 0, notBefore: 0 }))));
    }
  }
  return toEvent(
    entries.map((e, i) => ({
      shardId: "shardId-000000000000",
      sequenceNumber: String(base + BigInt(i) * 1000n),
      partitionKey: e.PartitionKey!,
      data: e.Data!,
      approximateArrivalMs: Date.now(),
    })),
    {
      awsRegion: "us-east-1",
      eventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/bench",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/bench",
    },
  );
}

interface ConsumerRun {
  plain: number;
  aggregated: number;
  /** decode + unpack + verify + validate only, msgs/s. */
  cpuPlain: number;
  cpuAggregated: number;
  /** decode (and unpack) alone, µs per message. */
  decodeUsPlain: number;
  decodeUsAggregated: number;
  tokenBytes: number;
}

async function measureConsumer(): Promise<ConsumerRun> {
  let emulator: Emulator | undefined;
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB && !process.env.AWS_ENDPOINT_URL) {
    emulator = await startDynamoDbLocal({ inMemory: true });
    process.env.AWS_ENDPOINT_URL_DYNAMODB = emulator.endpoint;
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
  try {
    const run = Date.now().toString(36);
    const tables = {
      ledgerTable: `bench-agg-ledger-${run}`,
      projectionsTable: `bench-agg-projections-${run}`,
    };
    const client = dynamoDbClient();
    await ensureConsumerTables(client, tables);
    const notes = await signedNotes(CONSUMER_MESSAGES);
    const handler = createConsumerHandler({
      ...consumerDepsFromEnv(
        {
          KJP_LEDGER_TABLE: tables.ledgerTable,
          KJP_PROJECTIONS_TABLE: tables.projectionsTable,
          KJP_AUDIENCE: AUDIENCE,
          KJP_ISSUERS: JSON.stringify([
            { issuer: ISSUER, keys: JSON.stringify({ keys: [notes.publicJwk] }) },
          ]),
        },
        client,
        { logger: new Logger({ serviceName: "kjp-bench" }) },
      ),
      notifier: { notify: async () => undefined },
      metrics: new Metrics({ namespace: "kjp-bench", serviceName: "kjp-bench" }),
    });
    const batches: { aggregate: boolean; event: KinesisStreamEvent; messages: number }[] = [];
    let tokenBytes = 0;
    // Warm-up, then each mode ROUNDS times on fresh messages, alternating, so drift in the emulator hits both.
    const modes = [true, ...Array.from({ length: ROUNDS }, () => [false, true]).flat()];
    for (const [i, aggregate] of modes.entries()) {
      const messages = await notes.make();
      tokenBytes = messages.reduce((s, m) => s + m.token.length, 0) / messages.length;
      batches.push({
        aggregate,
        event: eventOf(messages, aggregate, 10n ** 40n * BigInt(i + 1)),
        messages: messages.length,
      });
    }
    // The part aggregation changes, alone: decode (and unpack) the event, verify and validate every message.
    const verifier = createVerifier({
      audience: AUDIENCE,
      issuers: [{ issuer: ISSUER, keySet: loadKeySet(JSON.stringify({ keys: [notes.publicJwk] })) }],
      validator: registry,
    });
    const cpu: Record<"plain" | "aggregated", number[]> = { plain: [], aggregated: [] };
    const decodeUs: Record<"plain" | "aggregated", number[]> = { plain: [], aggregated: [] };
    for (const batch of [...batches.slice(1), ...batches.slice(1)]) {
      const mode = batch.aggregate ? "aggregated" : "plain";
      const started = performance.now();
      const records = await decodeRecords(batch.event.Records);
      decodeUs[mode].push(((performance.now() - started) * 1000) / records.length);
      for (const record of records)
        if (!(await verifier.verify(record.data)).ok) throw new Error("bad bench token");
      cpu[mode].push(records.length / ((performance.now() - started) / 1000));
    }
    const runs: Record<"plain" | "aggregated", number[]> = { plain: [], aggregated: [] };
    for (const [i, batch] of batches.entries()) {
      const started = performance.now();
      const response = await handler(batch.event, localContext());
      const perS = batch.messages / ((performance.now() - started) / 1000);
      if (response.batchItemFailures.length > 0) throw new Error("the bench batch did not finish");
      if (i === 0) continue; // warm-up
      const mode = batch.aggregate ? "aggregated" : "plain";
      console.log(
        `consumer ${mode.padEnd(10)} ${batch.messages} messages in ${batch.event.Records.length} records: ${perS.toFixed(0)} msgs/s`,
      );
      runs[mode].push(perS);
    }
    client.destroy();
    // Best of the rounds: on a shared machine the slow runs measure the neighbours, not the code.
    const best = (xs: number[]) => Math.max(...xs);
    const least = (xs: number[]) => Math.min(...xs);
    return {
      plain: best(runs.plain),
      aggregated: best(runs.aggregated),
      cpuPlain: best(cpu.plain),
      cpuAggregated: best(cpu.aggregated),
      decodeUsPlain: least(decodeUs.plain),
      decodeUsAggregated: least(decodeUs.aggregated),
      tokenBytes,
    };
  } finally {
    await emulator?.stop();
  }
}

async function main() {
  const plainRun = await runProducer(false);
  const aggRun = await runProducer(true);
  const plain = shardBounds(plainRun);
  const agg = shardBounds(aggRun);
  const consumer = await measureConsumer();

  const plainMsgs = Math.min(plain.byRecords, plain.byBytes, plainRun.msgsPerS, consumer.plain);
  const aggMsgs = Math.min(agg.byRecords, agg.byBytes, aggRun.msgsPerS, consumer.aggregated);
  const row = (name: string, p: number, a: number, digits = 0) =>
    console.log(`${name.padEnd(44)} ${p.toFixed(digits).padStart(10)} ${a.toFixed(digits).padStart(12)}`);
  console.log(
    `\n${MESSAGE_BYTES}-byte messages, ${KEYS} partition keys per shard (consumer: ${consumer.tokenBytes.toFixed(0)}-byte ES256 notes over ${CONSUMER_KEYS} keys, best of ${ROUNDS})`,
  );
  console.log(`${"".padEnd(44)} ${"plain".padStart(10)} ${"aggregated".padStart(12)}`);
  row("messages per Kinesis record", plain.msgsPerRecord, agg.msgsPerRecord, 1);
  row("bytes per message on the wire", plain.bytesPerMsg, agg.bytesPerMsg, 1);
  row("shard bound by 1,000 records/s (msgs/s)", plain.byRecords, agg.byRecords);
  row("shard bound by 1 MiB/s (msgs/s)", plain.byBytes, agg.byBytes);
  row("producer, one process (msgs/s)", plainRun.msgsPerS, aggRun.msgsPerS);
  row("consumer, one batch at a time (msgs/s)", consumer.plain, consumer.aggregated);
  row("  decode+unpack+verify alone (msgs/s)", consumer.cpuPlain, consumer.cpuAggregated);
  row("  decode+unpack alone (µs per message)", consumer.decodeUsPlain, consumer.decodeUsAggregated, 1);
  row("=> messages per shard-second", plainMsgs, aggMsgs);
  const ceiling = SHARD_BYTES_PER_S / agg.bytesPerMsg / SHARD_RECORDS_PER_S;
  console.log(
    `The byte limit caps the ratio at ${ceiling.toFixed(2)} for ${MESSAGE_BYTES}-byte messages; a ratio of 5 needs user records of at most ${Math.floor(SHARD_BYTES_PER_S / 5000 - (agg.bytesPerMsg - MESSAGE_BYTES))} bytes.`,
  );
  console.log(
    JSON.stringify({
      plain_msgs_per_shard_s: Math.round(plainMsgs),
      aggregated_msgs_per_shard_s: Math.round(aggMsgs),
      ratio: Number((aggMsgs / plainMsgs).toFixed(2)),
      consumer_msgs_per_s: Math.round(consumer.aggregated),
    }),
  );
}

await main();
