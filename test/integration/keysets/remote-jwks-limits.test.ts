import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { loadKeySet, type LoadKeySetOptions } from "../../../lib/envelope/keysets/load-key-set.js";
import { createSigner, type Signer } from "../../../lib/envelope/sign.js";
import { createVerifier } from "../../../lib/envelope/verify.js";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { registry } from "../../../schemas/index.js";
import {
  AUDIENCE,
  dealMessage,
  event,
  FakeShard,
  id,
  ISSUER,
  ledgerItem,
  pipelineFor,
  useTestEnv,
} from "../consumer/support.js";

// The consumer against a JWKS served by a real HTTP server on 127.0.0.1 (issue 10, item 8): a sick key set
// source leaves records unfinished (retried), never rejected, and costs bounded requests and memory.
const env = useTestEnv();
let server: Server;
let url = "";
let hits = 0;
let answer: (res: ServerResponse) => void;
let jwks = "";
let signer: Signer;

beforeAll(async () => {
  const key = await generateSigningKey("ES256", "remote-es-1");
  jwks = JSON.stringify({ keys: [key.publicJwk] });
  signer = await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience: AUDIENCE });
  server = createServer((_req, res) => {
    hits++;
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  hits = 0;
  answer = (res) => res.writeHead(200, { "content-type": "application/json" }).end(jwks);
});

function consumerWith(options: LoadKeySetOptions) {
  const verifier = createVerifier({
    audience: AUDIENCE,
    issuers: [{ issuer: ISSUER, keySet: loadKeySet(url, options) }],
    validator: registry,
  });
  return pipelineFor(env, { verify: (t) => verifier.verify(t) });
}

/** 20 records, each on its own partition key, so none waits behind another's failure. */
async function batch(shard: FakeShard) {
  const messages = Array.from({ length: 20 }, () => dealMessage(id("acc"), null, "lead", 9));
  const tokens = await Promise.all(
    messages.map((m) => signer.sign({ type: m.type, v: m.v, data: m.data, jti: m.jti, sub: m.sub! })),
  );
  return event(tokens.map((t, i) => shard.record(messages[i]!.sub!, t)));
}

const expectAllLeftForRetry = async (
  shard: FakeShard,
  result: Awaited<ReturnType<ReturnType<typeof consumerWith>["process"]>>,
  detail: RegExp,
) => {
  expect(result.response.batchItemFailures).toHaveLength(20);
  for (const report of result.reports) {
    expect(report.outcome).toMatchObject({ status: "failed", code: "key_set_unavailable" });
    expect((report.outcome as { detail: string }).detail).toMatch(detail);
  }
  // Nothing was recorded as rejected: the records are good, the key set source is not.
  const first = result.reports[0]!.record;
  expect(await ledgerItem(env, recordLedgerKey(shard.shardId, first.sequenceNumber))).toBeUndefined();
};

test("a failing JWKS source with no cached copy: 20 records, 1 request, all left for retry", async () => {
  answer = (res) => res.writeHead(503).end("unavailable");
  const shard = new FakeShard();
  const result = await consumerWith({ failureCooldownMs: 60_000 }).process(await batch(shard));
  await expectAllLeftForRetry(shard, result, /HTTP 503/);
  expect(hits).toBe(1);
});

test("a 300 MB JWKS body is dropped past the size cap; the batch is left for retry", async () => {
  let written = 0;
  const closed = new Promise<void>((resolve) => {
    answer = (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (written < 300 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", resolve);
      pump();
    };
  });
  const shard = new FakeShard();
  const heapBefore = process.memoryUsage().rss;
  const result = await consumerWith({}).process(await batch(shard));
  await expectAllLeftForRetry(shard, result, /above the 262144-byte limit/);
  await closed;
  expect(written).toBeLessThan(16 * 1024 * 1024);
  expect(process.memoryUsage().rss - heapBefore).toBeLessThan(100 * 1024 * 1024);
});

test("keys older than the maximum staleness stop verifying records (left for retry) until a fetch succeeds", async () => {
  // The key set's own clock, moved by hand: a loaded machine must not decide whether keys are stale yet.
  let clock = Date.now();
  const consumer = consumerWith({
    cacheTtlMs: 1,
    failureCooldownMs: 0,
    maxStalenessMs: 2_000,
    now: () => clock,
  });
  const shard = new FakeShard();
  const batches = await Promise.all([batch(shard), batch(shard), batch(shard), batch(shard)]);
  const fresh = await consumer.process(batches[0]!);
  expect(fresh.response.batchItemFailures).toEqual([]);
  expect(fresh.reports.every((r) => r.outcome.status === "processed")).toBe(true);

  answer = (res) => res.writeHead(500).end("down");
  clock += 1_000;
  const stillFresh = await consumer.process(batches[1]!);
  expect(stillFresh.response.batchItemFailures).toEqual([]);

  clock += 1_100;
  const stale = await consumer.process(batches[2]!);
  await expectAllLeftForRetry(shard, stale, /beyond its maximum staleness/);

  answer = (res) => res.writeHead(200).end(jwks);
  const recovered = await consumer.process(batches[3]!);
  expect(recovered.response.batchItemFailures).toEqual([]);
});
