/**
 * npm run bench:http — the HTTP path's authorizer: verify latency per request, warm, p50/p99, without its
 * in-memory cache (every request verifies the token: decode, policy, ES256 signature) and with it (a repeat
 * token: one SHA-256 and a map lookup), and the init time of the authorizer's deployed bundle (what a cold
 * start adds before the first request: loading the bundle and building the verifier from the environment).
 * The last line is one JSON object: {"authorizer_p99_ms","authorizer_cached_p99_ms","authorizer_init_ms"}.
 * Env: BENCH_N (requests per measurement, default 5000), BENCH_INIT_RUNS (default 7).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundleFunction } from "../dev/packaging/lambda-artifacts.js";
import { extractZip } from "../dev/packaging/extract-zip.js";
import { loadServiceDefinition } from "../dev/service-definition/service-definition.js";
import { createAccessTokenVerifier } from "../lib/envelope/access-token.js";
import { loadKeySet } from "../lib/envelope/keysets/load-key-set.js";
import { createAccessTokenSigner } from "../lib/envelope/sign-access-token.js";
import { generateSigningKey } from "../lib/envelope/signing-keys.js";
import { createAuthorizer, type Authorizer } from "../lib/http/authorizer.js";
import { projectRoot } from "../lib/util/project-root.js";

const N = Number(process.env.BENCH_N ?? 5_000);
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 7);
const AUDIENCE = "kinesis-jwt-pipeline-http";
const run = promisify(execFile);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (ms: number) => Math.round(ms * 1000) / 1000;

async function latencies(authorizer: Authorizer, tokens: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const token of tokens) {
    const started = process.hrtime.bigint();
    const result = await authorizer.authorize({ headers: { authorization: `Bearer ${token}` } });
    out.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.context.verdict !== "allowed")
      throw new Error(`bench token refused: ${JSON.stringify(result.context)}`);
  }
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "kjp-bench-http-"));
  try {
    const { privateJwk, publicJwk } = await generateSigningKey("ES256", "bench-http");
    const jwks = join(scratch, "jwks.json");
    writeFileSync(jwks, JSON.stringify({ keys: [publicJwk] }));
    const signer = await createAccessTokenSigner({ privateJwk, issuer: "crm-rails", audience: AUDIENCE });
    const tokens: string[] = [];
    for (let i = 0; i < N; i++) {
      tokens.push(
        await signer.sign({ sub: `usr_${i}`, account: `acc_${i % 100}`, scopes: ["pipeline:read"] }),
      );
    }
    const verifier = () =>
      createAccessTokenVerifier({
        audience: AUDIENCE,
        issuers: [{ issuer: "crm-rails", keySet: loadKeySet(`file:${jwks}`) }],
      });

    // Without the cache: every request verifies. Warm-up first (JIT, key import), then distinct tokens.
    const uncached = createAuthorizer({ verifier: verifier(), cacheSeconds: 0, cacheEntries: 1 });
    await latencies(uncached, tokens.slice(0, Math.min(1_000, N)));
    const cold = await latencies(uncached, tokens);

    // With the cache: the same 100 tokens again and again, as a page polling the API sends them.
    const cached = createAuthorizer({ verifier: verifier(), cacheSeconds: 300, cacheEntries: 10_000 });
    const hot = tokens.slice(0, 100);
    await latencies(cached, hot);
    await latencies(
      cached,
      Array.from({ length: 1_000 }, (_, i) => hot[i % hot.length]!),
    );
    const hits = await latencies(
      cached,
      Array.from({ length: N }, (_, i) => hot[i % hot.length]!),
    );

    // Init: the deployed bundle, imported by a fresh Node process with the function's environment.
    const fn = loadServiceDefinition({ stage: "dev" }).functions.find((f) => f.key === "authorizer")!;
    const built = await bundleFunction(fn, { root: projectRoot(), zipPath: join(scratch, "authorizer.zip") });
    // The whole zip: the entry imports chunks (e.g. the key-store clients) by relative path.
    const entry = extractZip(built.zip, built.entry, join(scratch, "extracted"));
    const probe =
      `const t = performance.now(); const m = await import(${JSON.stringify(entry)}); ` +
      `if (typeof m.handler !== "function") process.exit(2); console.log(performance.now() - t);`;
    const inits: number[] = [];
    for (let i = 0; i < INIT_RUNS; i++) {
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: "us-east-1",
          KJP_HTTP_AUDIENCE: AUDIENCE,
          KJP_ACCESS_ISSUERS: JSON.stringify([{ issuer: "crm-rails", keys: `file:${jwks}` }]),
        },
      });
      inits.push(Number(stdout.trim()));
    }
    inits.sort((a, b) => a - b);

    const p = (xs: number[]) => `p50 ${round(percentile(xs, 0.5))} ms  p99 ${round(percentile(xs, 0.99))} ms`;
    console.log(`authorizer, ${N} requests each, warm, ES256, one request at a time (${process.version})`);
    console.log(`  without its cache (verify every token): ${p(cold)}`);
    console.log(`  with its cache (repeat tokens):         ${p(hits)}`);
    console.log(
      `  bundle ${(built.bytes / 1024).toFixed(0)} KiB, init (import + verifier from env), median of ${INIT_RUNS}: ${round(percentile(inits, 0.5))} ms`,
    );
    console.log(
      JSON.stringify({
        authorizer_p99_ms: round(percentile(cold, 0.99)),
        authorizer_cached_p99_ms: round(percentile(hits, 0.99)),
        authorizer_init_ms: round(percentile(inits, 0.5)),
      }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
