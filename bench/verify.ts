/**
 * npm run bench:verify — verified messages/s through lib/envelope (strict decoding, header and claim policy,
 * jose signature check, Zod validation with upcasting) next to bare node:crypto signature verification of the
 * same tokens with the same key, on the same cores, in the same run.
 *
 * Two ways of driving each side are measured:
 *  - sequential: one token at a time (raw = synchronous crypto.verify; pipeline = await verify()).
 *  - concurrent: CONCURRENCY tokens in flight, the way the consumer runs partition keys (raw = crypto.verify with
 *    a callback, which runs on libuv's thread pool like WebCrypto; pipeline = verify() calls in flight).
 * Pipeline and raw alternate in chunks of 500 tokens over ROUNDS passes, so background load hits both alike.
 * The table also gives each side's process CPU per token (main thread and thread pool). The last line is one
 * JSON object with the concurrent figures (see the table for both).
 * Env: BENCH_N (tokens per alg, default 20000), BENCH_ROUNDS (default 3), BENCH_CONCURRENCY (default 16);
 * UV_THREADPOOL_SIZE sizes libuv's pool for both sides (Node's default is 4 threads, whatever the cores: on 2
 * cores they contend with the main thread, which costs the side with more main-thread work the most).
 */
import { KeyObject, verify as cryptoVerify } from "node:crypto";
import { availableParallelism } from "node:os";
import { registry } from "../schemas/index.js";
import { generateSigningKey } from "../lib/envelope/signing-keys.js";
import { loadKeySet } from "../lib/envelope/keysets/load-key-set.js";
import { createSigner } from "../lib/envelope/sign.js";
import { createVerifier, type Verifier } from "../lib/envelope/verify.js";

const N = Number(process.env.BENCH_N ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARMUP = Math.min(N, 3_000);
const ISSUER = "crm-rails";
const AUDIENCE = "crm-pipeline";

type Alg = "ES256" | "EdDSA";
interface Prepared {
  tokens: string[];
  raw: Array<{ input: Buffer; signature: Buffer }>;
  verifier: Verifier;
  keyObject: KeyObject;
  digest: string | null;
}

async function prepare(alg: Alg): Promise<Prepared> {
  const kid = `bench-${alg.toLowerCase()}`;
  const { privateJwk, publicJwk } = await generateSigningKey(alg, kid);
  const signer = await createSigner({ privateJwk, issuer: ISSUER, audience: AUDIENCE });
  const schemas = registry.list();
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < N; i++) {
    const schema = schemas[i % schemas.length]!;
    tokens.push(
      await signer.sign({
        type: schema.type,
        v: schema.v,
        data: schema.example,
        sub: `acc_${(i % 500).toString(36).padStart(12, "0")}`,
        now,
      }),
    );
  }
  const keySet = loadKeySet(JSON.stringify({ keys: [publicJwk] }));
  const verifier = createVerifier({
    audience: AUDIENCE,
    issuers: [{ issuer: ISSUER, keySet }],
    validator: registry,
  });
  // The very key object the pipeline uses, so both sides verify with identical key material.
  const resolved = (await keySet.resolve(kid))!;
  const keyObject = resolved.key;
  const raw = tokens.map((t) => {
    const dot = t.lastIndexOf(".");
    return { input: Buffer.from(t.slice(0, dot)), signature: Buffer.from(t.slice(dot + 1), "base64url") };
  });
  return { tokens, raw, verifier, keyObject, digest: alg === "ES256" ? "sha256" : null };
}

function rawSequential(p: Prepared, from: number, count: number): number {
  const key = { key: p.keyObject, dsaEncoding: "ieee-p1363" as const };
  const start = performance.now();
  for (let i = from; i < from + count; i++) {
    const { input, signature } = p.raw[i]!;
    if (!cryptoVerify(p.digest, input, key, signature)) throw new Error("raw verify failed");
  }
  return performance.now() - start;
}

async function rawConcurrent(p: Prepared, from: number, count: number): Promise<number> {
  const key = { key: p.keyObject, dsaEncoding: "ieee-p1363" as const };
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const { input, signature } = p.raw[next++]!;
      const ok = await new Promise<boolean>((resolve, reject) =>
        cryptoVerify(p.digest, input, key, signature, (error, result) =>
          error ? reject(error) : resolve(result),
        ),
      );
      if (!ok) throw new Error("raw verify failed");
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - start;
}

async function pipelineSequential(p: Prepared, from: number, count: number): Promise<number> {
  const start = performance.now();
  for (let i = from; i < from + count; i++) {
    const r = await p.verifier.verify(p.tokens[i]!);
    if (!r.ok) throw new Error(`pipeline rejected a bench token: ${r.rejection.detail}`);
  }
  return performance.now() - start;
}

async function pipelineConcurrent(p: Prepared, from: number, count: number): Promise<number> {
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const r = await p.verifier.verify(p.tokens[next++]!);
      if (!r.ok) throw new Error(`pipeline rejected a bench token: ${r.rejection.detail}`);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - start;
}

const CHUNK = 500;

/**
 * Pipeline and raw take turns on chunks of CHUNK tokens (≈ 50 ms each), so load from other processes on the
 * machine falls on both sides alike; each side's rate is its tokens over its own summed time.
 */
async function paired(
  p: Prepared,
  pipeline: (p: Prepared, from: number, count: number) => Promise<number>,
  raw: (p: Prepared, from: number, count: number) => number | Promise<number>,
) {
  let pipeMs = 0;
  let rawMs = 0;
  // CPU of the whole process (main thread and thread pool) per side: less disturbed by other processes than
  // wall time, and it shows what each side costs even when the machine is busy.
  let pipeCpu = 0;
  let rawCpu = 0;
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (let from = 0; from < N; from += CHUNK) {
      const count = Math.min(CHUNK, N - from);
      let before = cpu();
      pipeMs += await pipeline(p, from, count);
      pipeCpu += cpu() - before;
      before = cpu();
      rawMs += await raw(p, from, count);
      rawCpu += cpu() - before;
    }
  }
  const total = N * ROUNDS;
  const pipeline_per_s = Math.round(total / (pipeMs / 1000));
  const raw_per_s = Math.round(total / (rawMs / 1000));
  return {
    pipeline_per_s,
    raw_per_s,
    ratio: Math.round((rawMs / pipeMs) * 100) / 100,
    cpu: { pipelineUs: pipeCpu / total, rawUs: rawCpu / total },
  };
}

async function measure(alg: Alg) {
  const p = await prepare(alg);
  rawSequential(p, 0, WARMUP);
  await rawConcurrent(p, 0, WARMUP);
  await pipelineSequential(p, 0, WARMUP);
  await pipelineConcurrent(p, 0, WARMUP);
  return {
    sequential: await paired(p, pipelineSequential, rawSequential),
    concurrent: await paired(p, pipelineConcurrent, rawConcurrent),
  };
}

async function main() {
  console.log(
    `bench:verify  node ${process.version}  ${availableParallelism()} cores  ` +
      `thread pool ${process.env.UV_THREADPOOL_SIZE ?? "4 (default)"}  N=${N} tokens/alg  rounds=${ROUNDS}  ` +
      `concurrency=${CONCURRENCY}`,
  );
  const results: Record<Alg, Awaited<ReturnType<typeof measure>>> = {} as never;
  for (const alg of ["ES256", "EdDSA"] as const) results[alg] = await measure(alg);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(
    `${"alg".padEnd(6)} ${"mode".padEnd(11)} ${pad("pipeline/s", 11)} ${pad("raw/s", 9)} ${pad("ratio", 6)}` +
      `  ${pad("CPU µs/token: pipeline", 22)} ${pad("raw", 5)} ${pad("ratio", 6)}`,
  );
  for (const alg of ["ES256", "EdDSA"] as const) {
    for (const mode of ["sequential", "concurrent"] as const) {
      const r = results[alg][mode];
      console.log(
        `${alg.padEnd(6)} ${mode.padEnd(11)} ${pad(r.pipeline_per_s, 11)} ${pad(r.raw_per_s, 9)} ${pad(r.ratio.toFixed(2), 6)}` +
          `  ${pad(r.cpu.pipelineUs.toFixed(0), 22)} ${pad(r.cpu.rawUs.toFixed(0), 5)} ${pad((r.cpu.rawUs / r.cpu.pipelineUs).toFixed(2), 6)}`,
      );
    }
  }
  const line = (r: (typeof results)[Alg]["concurrent"]) => ({
    pipeline_per_s: r.pipeline_per_s,
    raw_per_s: r.raw_per_s,
    ratio: r.ratio,
  });
  console.log(
    JSON.stringify({ ES256: line(results.ES256.concurrent), EdDSA: line(results.EdDSA.concurrent) }),
  );
}

await main();
