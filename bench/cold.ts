/**
 * npm run bench:cold — init CPU of the consumer's Lambda bundle next to a minimal jose + Zod + DynamoDB handler
 * (bench/cold/minimal-handler.ts), both bundled the way `npm run build:lambda` bundles (esbuild, minified, code
 * behind a dynamic import() in chunks that init does not load, no source map in the zip, no
 * --enable-source-maps). Each sample is a fresh Node process that imports one bundle
 * and reports the user+system CPU the import took (what Lambda's init phase pays for the code). Processes
 * alternate consumer / minimal (A B A B) so background load falls on both alike; the figure is the median.
 * Env: BENCH_COLD_RUNS (processes per side, default 15, at least 10).
 * Last line: {"ours_init_ms":..,"minimal_init_ms":..}
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundleFunction } from "../dev/packaging/lambda-artifacts.js";
import { extractZip } from "../dev/packaging/extract-zip.js";
import { projectRoot } from "../lib/util/project-root.js";

const RUNS = Math.max(10, Number(process.env.BENCH_COLD_RUNS ?? 15));
const run = promisify(execFile);

// What serverless.yml gives the deployed consumer, with stand-ins; keys from an env var (the cheapest source).
const JWKS = JSON.stringify({
  keys: [
    {
      kty: "EC",
      crv: "P-256",
      kid: "cold-1",
      alg: "ES256",
      use: "sig",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    },
  ],
});
const lambdaEnv = {
  PATH: process.env.PATH ?? "",
  KJP_LEDGER_TABLE: "ledger",
  KJP_PROJECTIONS_TABLE: "projections",
  KJP_STREAM_NAME: "stream",
  KJP_AUDIENCE: "crm-pipeline",
  KJP_ISSUERS: JSON.stringify([{ issuer: "crm-rails", keys: "env:KJP_JWKS" }]),
  KJP_JWKS: JWKS,
  MINIMAL_JWKS: JWKS,
  POWERTOOLS_SERVICE_NAME: "kinesis-jwt-pipeline",
  POWERTOOLS_METRICS_NAMESPACE: "KinesisJwtPipeline",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

const PROBE =
  "const t = process.cpuUsage(); const m = await import(process.argv[1]);" +
  "if (typeof m.handler !== 'function') throw new Error('no handler');" +
  "const u = process.cpuUsage(t); console.log((u.user + u.system) / 1000);";

async function sample(module: string): Promise<number> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", PROBE, module], {
    env: lambdaEnv,
    timeout: 60_000,
  });
  return Number(stdout.trim());
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const root = projectRoot();
  const scratch = mkdtempSync(join(tmpdir(), "kjp-cold-"));
  try {
    const ours = await bundleFunction(
      { key: "consumer", handler: "handlers/consumer.handler" },
      { root, zipPath: join(scratch, "consumer.zip") },
    );
    const minimal = await bundleFunction(
      { key: "minimal", handler: "bench/cold/minimal-handler.handler" },
      { root, zipPath: join(scratch, "minimal.zip") },
    );
    const oursModule = extractZip(ours.zip, ours.entry, join(scratch, "ours"));
    const minimalModule = extractZip(minimal.zip, minimal.entry, join(scratch, "minimal"));
    console.log(
      `bench:cold  node ${process.version}  ${RUNS} processes per side, interleaved  load ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(
      `bundles: consumer ${(ours.bytes / 1024).toFixed(0)} KiB zip (${ours.initModules.length} of ${ours.modules.length} modules at init), ` +
        `minimal ${(minimal.bytes / 1024).toFixed(0)} KiB zip (${minimal.initModules.length} of ${minimal.modules.length})`,
    );
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      a.push(await sample(oursModule));
      b.push(await sample(minimalModule));
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(" ");
    console.log(`consumer init CPU ms: ${fmt(a)}`);
    console.log(`minimal  init CPU ms: ${fmt(b)}`);
    console.log(`load after: ${loadavg()[0]!.toFixed(1)}`);
    console.log(
      JSON.stringify({ ours_init_ms: Math.round(median(a)), minimal_init_ms: Math.round(median(b)) }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
