import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { uuidv7 } from "../../../lib/envelope/uuidv7.js";
import { toEventRecord } from "../../../lib/kinesis/event-record.js";
import { projectRoot } from "../../../lib/util/project-root.js";

/**
 * The first hour of a new user, as README's CLI reference and operations.md tell it: `kjp dev` in one shell,
 * and in another shell nothing but `source <the env file it prints>`, then keys → sign → verify → publish →
 * ledger → failures → inspect → replay (dry run, then real), each command's exit code checked against the
 * documented rule (0 success, 1 refused/still failing, 2 usage, configuration or an unreachable endpoint).
 * `kjp dev` reuses the suite's stack (the embedded one, or LocalStack in `npm run test:localstack`: the
 * environment points at it) with its own runner, data dir and HTTP port, so the two suites can run it at once.
 */
const root = projectRoot();
let bundle: string;
let work: string;
let dev: ChildProcess;
let devOut = "";
let envFile: string;
const started = new Date().toISOString();

interface Result {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `script` in bash with only PATH and HOME, after sourcing the env file; `kjp` is the CLI. */
function sh(script: string, opts: { source?: boolean } = {}): Promise<Result> {
  const prelude = `kjp() { node ${JSON.stringify(bundle)} "$@"; }\n${opts.source === false ? "" : `source ${JSON.stringify(envFile)}\n`}`;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", prelude + script], {
      cwd: work,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? work },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const note = (id: string) =>
  JSON.stringify({
    noteId: `note_${id}`,
    accountId: "acc_NEWCOMER1",
    authorId: "usr_NEWCOMER1",
    body: "my first message",
    mentions: [],
    createdAt: new Date(Date.now() - 1000).toISOString(),
    notify: false,
  });
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function startDev(args: string[]): ChildProcess {
  return spawn(process.execPath, [bundle, "dev", "--keys-dir", join(work, "dev-keys"), ...args], {
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "kjp-newcomer-"));
  bundle = join(root, ".kjp", "build", `newcomer-kjp-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, "test/integration/newcomer/kjp-entry.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile: bundle,
    logLevel: "warning",
  });
  // Any free HTTP port: the default 3001 is taken while the same test runs in the other suite (or a
  // developer's own kjp dev runs).
  dev = startDev(["--http-port", "0", "--data-dir", join(work, "dev-data")]);
  dev.stdout!.on("data", (d: Buffer) => (devOut += d.toString()));
  dev.stderr!.on("data", (d: Buffer) => (devOut += d.toString()));
  // A kjp dev that stopped fails the wait at once; either way the failure shows what it said.
  envFile = await until(
    "kjp dev to print its env file",
    async () => {
      if (dev.exitCode !== null || dev.signalCode !== null)
        throw new Error(`kjp dev exited (${dev.exitCode ?? dev.signalCode}) before it was ready`);
      return devOut.includes("Press Ctrl-C") ? /source (\S+\.env)/.exec(devOut)?.[1] : undefined;
    },
    120_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; kjp dev said:\n${devOut}`);
  });
}, 180_000);

afterAll(async () => {
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    // Ctrl-C as a user would; if it does not stop within 15 s (say, stuck starting), kill it: a child left
    // running would keep Jest from ever exiting.
    const exited = new Promise((r) => dev.once("exit", r));
    dev.kill("SIGINT");
    const timer = setTimeout(() => dev.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(work, { recursive: true, force: true });
  rmSync(bundle, { force: true });
});

test("a newcomer's session: every command of the CLI reference with only the env file sourced", async () => {
  // The env file has every setting a kjp command reads, and keeps the CLI off real AWS.
  const file = readFileSync(envFile, "utf8");
  for (const name of [
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_KINESIS",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "KJP_LOCAL_STACK",
    "KJP_STREAM",
    "KJP_STREAM_NAME",
    "KJP_LEDGER_TABLE",
    "KJP_PROJECTIONS_TABLE",
    "KJP_ONFAILURE_QUEUE_URL",
    "KJP_ONFAILURE_DESTINATION",
    "KJP_CONSUMER_LOG_GROUP",
    "KJP_AUDIENCE",
    "KJP_ISSUERS",
    "KJP_ISSUER",
    "KJP_SIGNING_KEY",
  ])
    expect(file).toMatch(new RegExp(`^export ${name}=\\S`, "m"));
  const env = await sh(`test "$KJP_STREAM" = "$KJP_STREAM_NAME" && echo same`);
  expect(env.out.trim()).toBe("same");

  // keys → sign → verify
  const keys = await sh("kjp keys generate --alg ES256 --kid newcomer-1 --out keys");
  expect(keys.code).toBe(0);
  expect(existsSync(join(work, "keys", "newcomer-1.private.jwk.json"))).toBe(true);
  const signArgs = `--key keys/newcomer-1.private.jwk.json --issuer "$KJP_ISSUER" --audience "$KJP_AUDIENCE" --type note.added --v 1 --sub acc_NEWCOMER1 --data ${q(note("NEWCOMER01"))}`;
  const signed = await sh(`kjp sign ${signArgs}`);
  expect(signed.code).toBe(0);
  const token = signed.out.trim();
  const verified = await sh(
    `kjp verify --keys keys/jwks.json --issuer "$KJP_ISSUER" --audience "$KJP_AUDIENCE" --data ${token}`,
  );
  expect(verified.code).toBe(0);
  expect(JSON.parse(verified.out)).toMatchObject({ outcome: "accepted" });
  const refused = await sh(
    `kjp verify --keys keys/jwks.json --issuer "$KJP_ISSUER" --audience other --data ${token}`,
  );
  expect(refused.code).toBe(1);
  // The same bare path works in KJP_ISSUERS as in --keys.
  const bare = await sh(
    `KJP_ISSUERS='[{"issuer":"'"$KJP_ISSUER"'","keys":"keys/jwks.json"}]' kjp verify --keys keys/jwks.json --issuer "$KJP_ISSUER" --audience "$KJP_AUDIENCE" --data ${token}`,
  );
  expect(bare.code).toBe(0);

  // Usage and configuration errors: exit 2, one clear line, never a stack trace.
  const longTtl = await sh(`kjp sign ${signArgs} --ttl 30d`);
  expect(longTtl.code).toBe(2);
  expect(longTtl.err).toMatch(/--ttl 30d .* longer than the consumer's maximum token lifetime/);
  writeFileSync(join(work, "afile"), "x");
  for (const out of ["afile/sub", "/proc/nope"]) {
    const t0 = Date.now();
    const exported = await sh(`kjp schemas export --out ${out}`);
    expect(exported.code).toBe(2);
    expect(exported.err).toMatch(/^kjp: (cannot write to|--out)/);
    expect(exported.err).not.toMatch(/\n\s+at /);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }
  expect((await sh("kjp schemas export --out schemas")).code).toBe(0);

  // kjp invoke: the consumer handler on an event file, configured by the env file alone.
  const streamArn = /^export KJP_STREAM_ARN=(\S+)$/m.exec(file)![1]!;
  const record = toEventRecord(
    {
      shardId: "shardId-000000000777",
      sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
      partitionKey: "acc_NEWCOMER1",
      data: Buffer.from(token),
      approximateArrivalMs: Date.now(),
    },
    {
      awsRegion: "us-east-1",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/x",
      eventSourceArn: streamArn,
    },
  );
  writeFileSync(join(work, "event.json"), JSON.stringify({ Records: [record] }));
  const invoked = await sh(
    `KJP_ISSUERS='[{"issuer":"'"$KJP_ISSUER"'","keys":"keys/jwks.json"}]' kjp invoke --event event.json`,
  );
  expect(invoked.code).toBe(0);
  expect(invoked.out).toMatch(/"batchItemFailures": \[\]/);

  // publish with the stack's own producer key: processed by the running consumer.
  const good = uuidv7();
  const published = await sh(
    `kjp publish --type note.added --v 1 --sub acc_NEWCOMER1 --jti ${good} --data ${q(note("NEWCOMER02"))}`,
  );
  expect(published.code).toBe(0);
  expect(JSON.parse(published.out)).toMatchObject({ published: 1, acknowledged: 1 });
  const done = await until("the processed message in the ledger", async () => {
    const got = await sh(`kjp ledger get ${good} --issuer "$KJP_ISSUER"`);
    return got.code === 0 ? got : undefined;
  });
  expect(JSON.parse(done.out.trim().split("\n")[0]!)).toMatchObject({ status: "done", jti: good });
  expect((await sh(`kjp ledger get ${uuidv7()} --issuer "$KJP_ISSUER"`)).code).toBe(1);

  // publish signed with the new key the consumer does not trust yet: rejected unknown_key.
  const stranger = uuidv7();
  const strangerOut = await sh(
    `kjp publish --key keys/newcomer-1.private.jwk.json --type note.added --v 1 --sub acc_NEWCOMER2 --jti ${stranger} --data ${q(note("NEWCOMER03"))}`,
  );
  expect(strangerOut.code).toBe(0);
  const failures = await until("the rejection in kjp failures", async () => {
    const r = await sh(`kjp failures --status rejected --reason unknown_key --since ${started} --json`);
    return r.out.includes(stranger) ? r : undefined;
  });
  expect(failures.code).toBe(1);
  const table = await sh(`kjp ledger list --status rejected --since ${started}`);
  expect(table.code).toBe(0);
  expect(table.out).toMatch(/^failedAt\s+status\s+reason\s+type\s+jti\s+position\s+attempts\s+detail\n/);
  expect(table.out).toMatch(new RegExp(`rejected\\s+unknown_key\\s+note\\.added\\s+${stranger}\\s`));
  const listed = await sh(`kjp ledger list --status rejected --since ${started} --json`);
  const item = listed.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((i) => i.jti === stranger)!;
  expect(String(item.raw).endsWith("…")).toBe(String(item.raw).length > 80);

  const inspected = await sh(`kjp inspect ${stranger}`);
  expect(inspected.code).toBe(0);
  expect(inspected.out).toMatch(/unknown_key/);
  expect((await sh(`kjp inspect ${uuidv7()}`)).code).toBe(1);

  // replay: the dry run says it would still be rejected — a permanent reason, so the replay would be done
  // (exit 0; exit 1 is kept for what still fails or cannot be recovered); with the key published it goes through.
  const dry = await sh(`kjp replay --from ledger --reason unknown_key --since ${started} --dry-run`);
  expect(dry.code).toBe(0);
  expect(dry.out).toMatch(/would be rejected\s+1/);
  const trusted = `KJP_ISSUERS='[{"issuer":"'"$KJP_ISSUER"'","keys":"keys/jwks.json"}]'`;
  const dryFixed = await sh(
    `${trusted} kjp replay --from ledger --reason unknown_key --since ${started} --dry-run`,
  );
  expect(dryFixed.code).toBe(0);
  expect(dryFixed.out).toMatch(/would process\s+1/);
  const real = await sh(`${trusted} kjp replay --from ledger --reason unknown_key --since ${started}`);
  expect(real.code).toBe(0);
  expect(real.out).toMatch(/processed\s+1/);
  expect(
    JSON.parse((await sh(`kjp ledger get ${stranger} --issuer "$KJP_ISSUER"`)).out.split("\n")[0]!),
  ).toMatchObject({
    status: "done",
  });
  const after = await sh(`kjp failures --status rejected --reason unknown_key --since ${started}`);
  expect(after.code).toBe(0);
  expect(after.out).toMatch(/0 failure\(s\)/);

  // The runbook's first command: the destination comes from the env file (SQS here), nothing reaches AWS.
  const onfailure = await sh(
    `kjp replay --from onfailure --since ${started} --dry-run --visibility-timeout 0`,
  );
  expect(onfailure.code).toBe(0);
  expect(onfailure.out).toMatch(/candidates\s+0/);

  // The local stack's env never reaches real AWS, and an endpoint that is not there is a clear exit 2.
  const guarded = await sh(
    "unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3; kjp replay --from onfailure --bucket some-bucket --dry-run",
  );
  expect(guarded.code).toBe(2);
  expect(guarded.err).toMatch(
    /KJP_LOCAL_STACK=1 but AWS_ENDPOINT_URL_S3 is not set: refusing to call real AWS/,
  );
  const dead = await closedPort();
  const deadPublish = await sh(
    `AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:${dead} kjp publish --timeout 2s --type note.added --v 1 --data ${q(note("NEWCOMER04"))}`,
  );
  expect(deadPublish.code).toBe(2);
  expect(deadPublish.err).toMatch(new RegExp(`cannot reach 127\\.0\\.0\\.1:${dead} \\(ECONNREFUSED\\)`));
  const deadLedger = await sh(`AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:${dead} kjp failures`);
  expect(deadLedger.code).toBe(2);
  expect(deadLedger.err).toMatch(/^kjp: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n {2}hint: /);
  expect(deadLedger.err).not.toMatch(/unexpected/);
  const unconfigured = await sh("kjp failures", { source: false });
  expect(unconfigured.code).toBe(2);
  expect(unconfigured.err).toMatch(/KJP_LEDGER_TABLE/);

  // The consumer's cold start in the runner is its init phase, not the wait for the first record.
  const initMs = Number(/Init Duration: ([\d.]+) ms/.exec(devOut)?.[1]);
  expect(initMs).toBeGreaterThan(0);
  expect(initMs).toBeLessThan(1000);

  // Stopping the stack takes its env file with it.
  dev.kill("SIGINT");
  const code = await new Promise((r) => dev.once("exit", r));
  expect(code).toBe(0);
  expect(existsSync(envFile)).toBe(false);
}, 240_000);

test("kjp dev on a taken HTTP port: exit 2 at once with the way out, nothing left running", async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  const { port } = holder.address() as { port: number };
  try {
    const t0 = Date.now();
    const second = startDev(["--http-port", String(port), "--data-dir", join(work, "second-data")]);
    let err = "";
    second.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => second.once("exit", r));
    expect(code).toBe(2);
    expect(err).toMatch(
      new RegExp(`^kjp: port ${port} on 127\\.0\\.0\\.1 \\(the local HTTP API\\) is already in use`),
    );
    expect(err).toMatch(/hint: .*--http-port/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
}, 60_000);
