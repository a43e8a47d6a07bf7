import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { Command } from "commander";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kinesisClient } from "../../../lib/aws/kinesis-client.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { parseJwks } from "../../../lib/envelope/keysets/jwks.js";
import { createStaticKeySet } from "../../../lib/envelope/keysets/static-key-set.js";
import { createSigner } from "../../../lib/envelope/sign.js";
import { createVerifier, type Verifier } from "../../../lib/envelope/verify.js";
import { startKinesisMock } from "../../../dev/local/kinesis-mock.js";
import type { Emulator } from "../../../dev/local/emulator.js";
import { kinesisPutRecords } from "../../../lib/producer/kinesis-transport.js";
import { Publisher } from "../../../lib/producer/publisher.js";
import { register as registerPublish, type PublishSummary } from "../../../cli/commands/publish.js";
import { registry } from "../../../schemas/index.js";
import { dealStageChangedV1 } from "../../../schemas/deal-stage-changed.v1.js";
import { noteAddedV1 } from "../../../schemas/note-added.v1.js";

const ISSUER = "crm-rails";
const AUDIENCE = "crm-pipeline";

/**
 * The TypeScript publisher against real kinesis-mock: under `npm run test:integration` it uses the shared
 * stack's endpoint; run on its own it starts kinesis-mock itself. It writes to a stream of its own so the
 * consumer tests sharing the stack never see these records.
 */
let emulator: Emulator | undefined;
let client: KinesisClient;
let stream: string;
let verifier: Verifier;
let privateJwk: Awaited<ReturnType<typeof generateSigningKey>>["privateJwk"];
let tmp: string;

beforeAll(async () => {
  if (!process.env.AWS_ENDPOINT_URL_KINESIS && !process.env.AWS_ENDPOINT_URL) {
    emulator = await startKinesisMock();
    process.env.AWS_ENDPOINT_URL_KINESIS = emulator.endpoint;
  }
  client = kinesisClient({ maxAttempts: 1 });
  stream = `kjp-producer-it-${randomBytes(4).toString("hex")}`;
  await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
  for (let i = 0; ; i++) {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: stream }));
    if (StreamDescription?.StreamStatus === "ACTIVE") break;
    if (i > 300) throw new Error(`stream ${stream} did not become ACTIVE`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const key = await generateSigningKey("ES256", "crm-es-it");
  privateJwk = key.privateJwk;
  verifier = createVerifier({
    audience: AUDIENCE,
    issuers: [
      {
        issuer: ISSUER,
        keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [key.publicJwk] }), "test")),
      },
    ],
    validator: registry,
  });
  tmp = await mkdtemp(join(tmpdir(), "kjp-producer-it-"));
}, 90_000);

afterAll(async () => {
  await client
    ?.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }))
    .catch(() => undefined);
  client?.destroy();
  if (emulator) {
    delete process.env.AWS_ENDPOINT_URL_KINESIS;
    await emulator.stop();
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

interface StoredRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  token: string;
}

/** Every record on the stream, shard by shard, in stored (sequence number) order. */
async function readAll(): Promise<StoredRecord[]> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  const out: StoredRecord[] = [];
  for (const shard of Shards) {
    let { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    while (ShardIterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
      for (const r of page.Records ?? []) {
        out.push({
          shardId: shard.ShardId!,
          sequenceNumber: r.SequenceNumber!,
          partitionKey: r.PartitionKey!,
          token: Buffer.from(r.Data!).toString("latin1"),
        });
      }
      if (!page.Records?.length || page.MillisBehindLatest === 0) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return out;
}

describe("Publisher → kinesis-mock", () => {
  test("150 messages over 5 accounts: all acknowledged, all verify, each account's records stored in publish order", async () => {
    const signer = await createSigner({ privateJwk, issuer: ISSUER, audience: AUDIENCE });
    const publisher = new Publisher({
      signer,
      putRecords: kinesisPutRecords(client, { streamName: stream }),
      validator: registry,
      lingerMs: 20,
    });
    const accounts = Array.from({ length: 5 }, (_, i) => `acc_IT${String(i).padStart(8, "0")}`);
    const receipts = [];
    for (let i = 0; i < 150; i++) {
      const accountId = accounts[i % accounts.length]!;
      const data =
        i % 2 === 0
          ? { ...noteAddedV1.example, accountId, noteId: `note_IT${String(i).padStart(8, "0")}` }
          : { ...dealStageChangedV1.example, accountId, amountMinor: i * 100 };
      receipts.push(
        await publisher.publish({
          type: i % 2 === 0 ? "note.added" : "deal.stage_changed",
          v: 1,
          data,
          sub: accountId,
        }),
      );
    }
    const acks = await Promise.all(receipts.map((r) => r.acknowledged));
    const closed = await publisher.close(30_000);
    expect(closed).toEqual({ drained: true, pending: 0, abandoned: 0 });
    expect(publisher.stats()).toMatchObject({ published: 150, acknowledged: 150, failed: 0 });
    expect(new Set(acks.map((a) => a.shardId)).size).toBeGreaterThanOrEqual(1);

    const stored = await readAll();
    expect(stored).toHaveLength(150);
    const jtisByKey = new Map<string, string[]>();
    for (const record of stored) {
      const result = await verifier.verify(record.token);
      if (!result.ok)
        throw new Error(`stored record refused: ${result.rejection.reason}: ${result.rejection.detail}`);
      expect(result.message.sub).toBe(record.partitionKey);
      jtisByKey.set(record.partitionKey, [...(jtisByKey.get(record.partitionKey) ?? []), result.message.jti]);
    }
    for (const account of accounts) {
      const published = receipts.filter((r) => r.partitionKey === account).map((r) => r.jti);
      expect(jtisByKey.get(account)).toEqual(published);
    }
    // The acknowledged sequence numbers are the ones Kinesis stored.
    const storedSeq = new Set(stored.map((s) => s.sequenceNumber));
    expect(acks.every((a) => storedSeq.has(a.sequenceNumber))).toBe(true);
  });

  test("a stream that does not exist fails every message with a permanent PublishFailedError", async () => {
    const signer = await createSigner({ privateJwk, issuer: ISSUER, audience: AUDIENCE });
    const publisher = new Publisher({
      signer,
      putRecords: kinesisPutRecords(client, { streamName: `${stream}-missing` }),
      lingerMs: 1,
    });
    const receipt = await publisher.publish({ type: "note.added", v: 1, data: noteAddedV1.example });
    await expect(receipt.acknowledged).rejects.toMatchObject({
      code: "publish_failed",
      errorCode: "ResourceNotFoundException",
      retryable: false,
    });
    await publisher.close(5_000);
  });

  test("`kjp publish` with JSON lines on stdin writes verifiable records", async () => {
    const before = (await readAll()).length;
    const keyFile = join(tmp, "producer.private.jwk.json");
    await writeFile(keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({
        type: "deal.stage_changed",
        v: 1,
        data: { ...dealStageChangedV1.example, amountMinor: i },
        sub: "acc_CLI0000001",
      }),
    ).join("\n");
    let out = "";
    let exitCode: number | undefined;
    const program = new Command("kjp").exitOverride();
    registerPublish(program, {
      out: (s) => (out += s),
      err: (s) => (out += s),
      stdin: Readable.from([lines]),
      env: {},
      setExitCode: (c) => (exitCode = c),
    });
    await program.parseAsync(
      [
        "publish",
        "--stream",
        stream,
        "--key",
        keyFile,
        "--issuer",
        ISSUER,
        "--audience",
        AUDIENCE,
        "--linger",
        "5",
      ],
      { from: "user" },
    );
    const summary = JSON.parse(out.trim()) as PublishSummary;
    expect(summary).toMatchObject({ read: 20, published: 20, acknowledged: 20, failed: 0, refused: 0 });
    expect(exitCode).toBe(0);
    const stored = (await readAll()).filter((r) => r.partitionKey === "acc_CLI0000001");
    expect((await readAll()).length - before).toBe(20);
    const amounts = [];
    for (const r of stored) {
      const result = await verifier.verify(r.token);
      expect(result.ok).toBe(true);
      if (result.ok) amounts.push(result.message.data.amountMinor);
    }
    expect(amounts).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
