import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { loadServiceDefinition } from "../../dev/service-definition/service-definition.js";
import { bundleFunction } from "../../dev/packaging/lambda-artifacts.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { readZip } from "../../dev/packaging/read-zip.js";

/**
 * The artifacts `serverless package` ships: every function in serverless.yml bundles, and the bundle loads in
 * a plain Node process (no ts-jest, no node_modules next to it) and exports the handler its string names.
 */
const run = promisify(execFile);
const root = projectRoot();
const scratch = mkdtempSync(join(tmpdir(), "kjp-build-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// What the deployed functions get from serverless.yml's provider.environment, with local stand-ins.
const lambdaEnv = {
  PATH: process.env.PATH,
  KJP_LEDGER_TABLE: "ledger",
  KJP_PROJECTIONS_TABLE: "projections",
  KJP_STREAM_NAME: "stream",
  KJP_AUDIENCE: "kinesis-jwt-pipeline",
  KJP_ISSUERS: '[{"issuer":"crm-rails","keys":"ssm:/kjp/dev/jwks"}]',
  KJP_ONFAILURE_QUEUE_URL: "http://127.0.0.1:9/queue",
  KJP_REPLAY_DLQ_URL: "http://127.0.0.1:9/dlq",
  POWERTOOLS_SERVICE_NAME: "kinesis-jwt-pipeline",
  POWERTOOLS_METRICS_NAMESPACE: "KinesisJwtPipeline",
  AWS_REGION: "us-east-1",
};

describe.each(loadServiceDefinition({ stage: "dev" }).functions.map((f) => [f.key, f]))(
  "function %s",
  (_key, fn) => {
    it("bundles into a zip whose handler module loads on its own", async () => {
      const built = await bundleFunction(fn, { root, zipPath: join(scratch, `${fn.key}.zip`) });
      const files = readZip(readFileSync(built.zip));
      expect([...files.keys()]).toContain(built.entry);
      expect(built.bytes).toBeLessThan(50 * 1024 * 1024); // Lambda's direct-upload limit

      const extracted = join(scratch, `${fn.key}-extracted`, built.entry);
      mkdirSync(dirname(extracted), { recursive: true });
      writeFileSync(extracted, files.get(built.entry) ?? "");
      const exportName = fn.handler.split(".").pop() ?? "handler";
      const probe = `const m = await import(${JSON.stringify(extracted)}); console.log(typeof m[${JSON.stringify(exportName)}]);`;
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
        cwd: scratch,
        env: lambdaEnv,
        timeout: 30_000,
      });
      expect(stdout.trim()).toBe("function");
    });

    it("contains no module of the development tooling (dev/) or the CLI (cli/)", async () => {
      const built = await bundleFunction(fn, { root, zipPath: join(scratch, `${fn.key}-sources.zip`) });
      expect(readZip(readFileSync(built.zip)).has(`${built.entry}.map`)).toBe(false);
      const map = readFileSync(built.sourceMap);
      // The source map lists every module esbuild put into the bundle, relative to the bundle's folder.
      const sources = (JSON.parse(map.toString("utf8")) as { sources: string[] }).sources.map((s) =>
        relative(root, resolve(scratch, `${fn.key}-bundle`, dirname(built.entry), s)),
      );
      expect(sources).toContain(`handlers/${fn.key}.ts`);
      expect(sources.filter((s) => /^lib\//.test(s)).length).toBeGreaterThan(10);
      expect(sources.filter((s) => /^(dev|cli)\//.test(s))).toEqual([]);
    });
  },
);
