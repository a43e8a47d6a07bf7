import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { loadServiceDefinition } from "../../dev/service-definition/service-definition.js";
import { bundleFunction } from "../../dev/packaging/lambda-artifacts.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { readZip } from "../../dev/packaging/read-zip.js";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";

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
  // The HTTP functions' own environment (serverless.yml), with a throwaway inline key for postNote's init.
  KJP_HTTP_AUDIENCE: "kinesis-jwt-pipeline-http",
  KJP_ACCESS_ISSUERS: '[{"issuer":"crm-rails","keys":"ssm:/kjp/dev/jwks"}]',
  KJP_HTTP_ISSUER: "crm-http-api",
  KJP_HTTP_SIGNING_KEY: "",
};
beforeAll(async () => {
  lambdaEnv.KJP_HTTP_SIGNING_KEY = JSON.stringify(
    (await generateSigningKey("ES256", "build-test")).privateJwk,
  );
});

describe.each(loadServiceDefinition({ stage: "dev" }).functions.map((f) => [f.key, f]))(
  "function %s",
  (_key, fn) => {
    it("bundles into a zip whose handler module and chunks load on their own", async () => {
      const built = await bundleFunction(fn, { root, zipPath: join(scratch, `${fn.key}.zip`) });
      const files = readZip(readFileSync(built.zip));
      expect([...files.keys()].sort()).toEqual([...built.files].sort());
      expect(built.files[0]).toBe(built.entry);
      expect(built.bytes).toBeLessThan(50 * 1024 * 1024); // Lambda's direct-upload limit

      // Lambda extracts the whole zip: the entry, and the chunks it imports now or later.
      const dir = join(scratch, `${fn.key}-extracted`);
      for (const [path, data] of files) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), data);
      }
      const exportName = fn.handler.split(".").pop() ?? "handler";
      const chunks = built.files.filter((f) => f !== built.entry).map((f) => join(dir, f));
      const probe =
        `const m = await import(${JSON.stringify(join(dir, built.entry))}); console.log(typeof m[${JSON.stringify(exportName)}]);` +
        `for (const c of ${JSON.stringify(chunks)}) await import(c); console.log("chunks", ${chunks.length});`;
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
        cwd: scratch,
        env: lambdaEnv,
        timeout: 30_000,
      });
      expect(stdout.trim().split("\n")).toEqual(["function", `chunks ${chunks.length}`]);
    });

    it("contains no module of the development tooling (dev/) or the CLI (cli/)", async () => {
      const built = await bundleFunction(fn, { root, zipPath: join(scratch, `${fn.key}-sources.zip`) });
      expect([...readZip(readFileSync(built.zip)).keys()].filter((f) => f.endsWith(".map"))).toEqual([]);
      expect(JSON.parse(readFileSync(built.sourceMap, "utf8"))).toHaveProperty("mappings");
      // Every module esbuild put into the bundle (entry and chunks), relative to the project root.
      expect(built.modules).toContain(`${fn.handler.slice(0, fn.handler.lastIndexOf("."))}.ts`);
      expect(built.modules.filter((s) => /^lib\//.test(s)).length).toBeGreaterThan(10);
      expect(built.modules.filter((s) => /^(dev|cli)\//.test(s))).toEqual([]);
    });
  },
);

describe("the consumer's cold start", () => {
  const isProtobuf = (m: string) => /node_modules\/(protobufjs|long)\//.test(m);
  const isKeyStoreClient = (m: string) => /node_modules\/@aws-sdk\/client-(ssm|secrets-manager)\//.test(m);

  it("evaluates neither protobufjs nor the key store clients at init, yet ships them for when they are used", async () => {
    const consumer = loadServiceDefinition({ stage: "dev" }).functions.find((f) => f.key === "consumer")!;
    const built = await bundleFunction(consumer, { root, zipPath: join(scratch, "consumer-init.zip") });
    expect(built.initModules).toContain("lib/kinesis/aggregate-framing.ts");
    expect(built.initModules.filter(isProtobuf)).toEqual([]);
    expect(built.initModules).not.toContain("lib/kinesis/aggregation.ts");
    expect(built.initModules.filter(isKeyStoreClient)).toEqual([]);
    // Of the SDK's service clients, init evaluates only DynamoDB's: the only one the consumer uses.
    const sdkClients = new Set(built.initModules.map((m) => /@aws-sdk\/(client-[a-z0-9-]+)\//.exec(m)?.[1]));
    sdkClients.delete(undefined);
    expect([...sdkClients]).toEqual(["client-dynamodb"]);
    expect(built.modules.filter(isProtobuf).length).toBeGreaterThan(0);
    expect(built.modules.filter(isKeyStoreClient).length).toBeGreaterThan(0);

    // The KPL reader's chunk, loaded from the extracted zip, unpacks an aggregate of the shared vectors.
    const files = readZip(readFileSync(built.zip));
    const dir = join(scratch, "consumer-init-extracted");
    for (const [path, data] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), data);
    }
    const reader = built.files.filter((f) => /^chunks\/aggregation-/.test(f));
    expect(reader).toHaveLength(1);
    const vectors = JSON.parse(readFileSync(join(root, "test/vectors/aggregates.json"), "utf8")) as {
      aggregates: { aggregate: string; tokens: string[] }[];
    };
    const vector = vectors.aggregates[0]!;
    const probe =
      `const { deaggregate } = await import(${JSON.stringify(join(dir, reader[0]!))});` +
      `const r = deaggregate(Buffer.from(${JSON.stringify(vector.aggregate)}, "base64"));` +
      `console.log(r.kind, r.records.length);`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
      cwd: scratch,
      env: lambdaEnv,
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe(`aggregate ${vector.tokens.length}`);
  });

  it("the replay function also leaves the KPL reader out of its init", async () => {
    const replay = loadServiceDefinition({ stage: "dev" }).functions.find((f) => f.key === "replay")!;
    const built = await bundleFunction(replay, { root, zipPath: join(scratch, "replay-init.zip") });
    expect(built.initModules).toContain("lib/replay/engine.ts");
    expect(built.initModules.filter(isProtobuf)).toEqual([]);
    expect(built.modules.filter(isProtobuf).length).toBeGreaterThan(0);
  });
});
