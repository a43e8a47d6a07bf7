import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JWK } from "jose";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../../lib/aws/kinesis-client.js";
import { register as registerDemo } from "../../../cli/commands/demo.js";
import { register as registerDev } from "../../../cli/commands/dev.js";
import { buildProgram } from "../../../cli/main.js";
import { runDemo } from "../../../dev/demo/run-demo.js";
import { createSigner } from "../../../lib/envelope/sign.js";
import { findByJti } from "../../../lib/ledger/inspect.js";
import { kinesisPutRecords } from "../../../lib/producer/kinesis-transport.js";
import { Publisher } from "../../../lib/producer/publisher.js";

/**
 * `npm start`'s demo and `kjp dev` inside the integration harness: the harness's stack is reused (its
 * AWS_ENDPOINT_URL_* are set), the runner reads only what is put from its start on, and the summary is
 * reconciled against the shared ledger by stream position.
 */
let keysDir: string;
beforeEach(() => {
  keysDir = mkdtempSync(join(tmpdir(), "kjp-demo-it-"));
});
afterEach(() => rmSync(keysDir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stack's env file named by `kjp dev` / `kjp demo --keep` ("source PATH"), read as a shell would. */
function envFilePrinted(text: string): string {
  const m = /source (\S+\.env)/.exec(text);
  if (!m) throw new Error("no env file printed");
  return m[1]!;
}

function exportedFrom(text: () => string) {
  return (name: string): string => {
    const m = new RegExp(`^export ${name}=(.+)$`, "m").exec(readFileSync(envFilePrinted(text()), "utf8"));
    if (!m) throw new Error(`no ${name} in the env file`);
    return m[1]!.replace(/^'(.*)'$/, "$1");
  };
}

/**
 * What a developer does from another shell with the printed exports: publish one note with the printed
 * signing key, then wait for its ledger item. Returns the item's status (undefined if it never came).
 */
async function publishWithExports(exported: (name: string) => string, noteId: string): Promise<unknown> {
  const privateJwk = JSON.parse(readFileSync(exported("KJP_SIGNING_KEY"), "utf8")) as JWK;
  const signer = await createSigner({
    privateJwk,
    issuer: exported("KJP_ISSUER"),
    audience: exported("KJP_AUDIENCE"),
  });
  const kinesis = kinesisClient();
  const publisher = new Publisher({
    signer,
    putRecords: kinesisPutRecords(kinesis, { streamName: exported("KJP_STREAM") }),
  });
  let ack;
  try {
    ack = await publisher.publishAndWait({
      type: "note.added",
      v: 1,
      sub: "acc_DEVTEST01",
      data: {
        noteId,
        accountId: "acc_DEVTEST01",
        authorId: "usr_DEVTEST01",
        body: "published with the printed exports",
        mentions: [],
        createdAt: new Date(Date.now() - 1000).toISOString(),
        notify: false,
      },
    });
  } finally {
    await publisher.close();
    kinesis.destroy();
  }
  const dynamodb = dynamoDbClient();
  try {
    for (let i = 0; i < 300; i++) {
      const [item] = await findByJti(dynamodb, exported("KJP_LEDGER_TABLE"), ack.jti, exported("KJP_ISSUER"));
      if (item) return item.status;
      await sleep(100);
    }
    return undefined;
  } finally {
    dynamodb.destroy();
  }
}

async function printed(text: () => string, marker: string): Promise<void> {
  for (let i = 0; i < 600 && !text().includes(marker); i++) await sleep(50);
}

describe("the demo (npm start)", () => {
  test("60 messages: every outcome and reason reconciles with exact counts", async () => {
    // Records already on the shared stream are not this run's: the runner must start after them.
    const kinesis = kinesisClient();
    try {
      const put = await kinesisPutRecords(kinesis, { streamName: process.env.KJP_STREAM_NAME ?? "" })(
        Array.from({ length: 5 }, (_, i) => ({
          PartitionKey: `foreign-${i}`,
          Data: Buffer.from("not a token"),
        })),
      );
      expect(put.FailedRecordCount ?? 0).toBe(0);
    } finally {
      kinesis.destroy();
    }
    await sleep(5);
    const lines: string[] = [];
    const result = await runDemo({ messages: 60, seed: 42, keysDir, tty: false, log: (l) => lines.push(l) });

    expect(result.reusedStack).toBe(true);
    expect(result.summary.differences).toEqual([]);
    expect(result.summary.reconciled).toBe(true);
    // The HTTP path: a note posted through the local API, applied by the queue path; refusals shown.
    expect(lines.join("\n")).toMatch(/POST \/notes: 202 .*applied by the queue path \d+ ms later/);
    expect(lines.join("\n")).toMatch(/another account's pipeline: 403 forbidden_account/);
    expect(lines.join("\n")).toMatch(/pipeline without a token: 401/);
    expect(result.exitCode).toBe(0);
    expect(result.summary.published).toBe(60);
    const rows = Object.fromEntries(result.summary.rows.map((r) => [r.outcome, r]));
    expect(rows).toEqual({
      processed: { outcome: "processed", expected: 47, consumer: 47, ledger: 47 },
      duplicate: { outcome: "duplicate", expected: 3, consumer: 3, ledger: 3 },
      rejected: { outcome: "rejected", expected: 10, consumer: 10, ledger: 10 },
      "rejected:unknown_key": { outcome: "rejected:unknown_key", expected: 2, consumer: 2, ledger: 2 },
      "rejected:bad_signature": { outcome: "rejected:bad_signature", expected: 1, consumer: 1, ledger: 1 },
      "rejected:expired": { outcome: "rejected:expired", expected: 2, consumer: 2, ledger: 2 },
      "rejected:invalid_payload": {
        outcome: "rejected:invalid_payload",
        expected: 3,
        consumer: 3,
        ledger: 3,
      },
      "rejected:unknown_type": { outcome: "rejected:unknown_type", expected: 2, consumer: 2, ledger: 2 },
      failed: { outcome: "failed", expected: 0, consumer: 0, ledger: 0 },
    });
    expect(result.consumer).toMatchObject({ processed: 47, duplicate: 3, rejected: 10, failed: 0 });
    expect(result.runner.discardedRecords).toBe(0);
    expect(lines.join("\n")).toMatch(/Using the running stack from the environment/);
    expect(lines).toContainEqual(expect.stringMatching(/^progress: published 60\/60, consumed 60\/60$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Reconciled/));
  });

  test("kjp demo --json --keep: the summary as JSON; the runner stays up for kjp until stopped", async () => {
    let stdout = "";
    let stderr = "";
    let exitCode = -1;
    let statusWhileKept: unknown;
    const exported = exportedFrom(() => stderr);
    const program = buildProgram([
      (p) =>
        registerDemo(p, {
          // --keep waits for a signal; here it waits for what a developer would do meanwhile.
          run: (options) =>
            runDemo({
              ...options,
              keysDir,
              until: printed(() => stderr, "Press Ctrl-C").then(async () => {
                statusWhileKept = await publishWithExports(exported, "note_KEEPTEST01");
              }),
            }),
          out: (t) => void (stdout += t),
          err: (t) => void (stderr += t),
          setExitCode: (c) => void (exitCode = c),
        }),
    ]);
    await program.parseAsync([
      "node",
      "kjp",
      "demo",
      "--messages",
      "24",
      "--accounts",
      "5",
      "--json",
      "--keep",
    ]);

    expect(exitCode).toBe(0);
    const doc = JSON.parse(stdout) as { reconciled: boolean; published: number; rows: { outcome: string }[] };
    expect(doc).toMatchObject({ reconciled: true, published: 24, reusedStack: true });
    expect(doc.rows.map((r) => r.outcome)).toEqual(
      expect.arrayContaining(["processed", "duplicate", "rejected:expired", "failed"]),
    );
    // The env file belonged to the kept session: gone with it.
    expect(existsSync(envFilePrinted(stderr))).toBe(false);
    expect(statusWhileKept).toBe("done");
  });
});

describe("kjp dev", () => {
  test("runs the consumer until stopped: a message published with the printed exports reaches the ledger", async () => {
    let out = "";
    let ledgerStatus: unknown;
    const whileRunning = async () => {
      await printed(() => out, "Press Ctrl-C");
      ledgerStatus = await publishWithExports(
        exportedFrom(() => out),
        "note_DEVTEST01",
      );
    };
    const program = buildProgram([
      (p) => registerDev(p, { out: (t) => void (out += t), stopSignal: whileRunning }),
    ]);
    await program.parseAsync([
      "node",
      "kjp",
      "dev",
      "--quiet",
      "--keys-dir",
      keysDir,
      "--http-port",
      "0",
      // Its own data dir: the same suite may run on LocalStack at the same time, with its own kjp dev.
      "--data-dir",
      join(keysDir, "data"),
    ]);

    expect(ledgerStatus).toBe("done");
    expect(existsSync(envFilePrinted(out))).toBe(false);
    expect(out).toMatch(/Runner reading kinesis-jwt-pipeline-local-events/);
    expect(out).toMatch(
      /HTTP API \(serverless.yml's httpApi, with its authorizer\) at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(out).toMatch(/Stopped\.\n$/);
  });
});
