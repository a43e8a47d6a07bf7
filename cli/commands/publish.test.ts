import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { deaggregate } from "../../lib/kinesis/aggregation.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import { Command } from "commander";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import { contactUpsertedV2 } from "../../schemas/contact-upserted.v2.js";
import { dealStageChangedV1 } from "../../schemas/deal-stage-changed.v1.js";
import type { PutRecordsFn } from "../../lib/producer/types.js";
import { parseLine, register, type PublishSummary } from "./publish.js";

let dir: string;
let keyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kjp-publish-"));
  keyFile = join(dir, "producer.private.jwk.json");
  await writeFile(keyFile, JSON.stringify((await generateSigningKey("EdDSA", "crm-ed-1")).privateJwk), {
    mode: 0o600,
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs `kjp publish` with PutRecords injected (the transport seam); the emulator-backed run is in test/integration/producer. */
async function run(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  let out = "";
  let err = "";
  let exitCode: number | undefined;
  const streams: string[] = [];
  const sent: PutRecordsRequestEntry[] = [];
  let requests = 0;
  const transport = (stream: string): PutRecordsFn => {
    streams.push(stream);
    return (records) => {
      requests++;
      sent.push(...records);
      return Promise.resolve({
        Records: records.map((_, i) => ({ SequenceNumber: String(sent.length + i), ShardId: "shardId-0" })),
      });
    };
  };
  const program = new Command("kjp")
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  register(program, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    stdin: Readable.from([opts.stdin ?? ""]),
    env: opts.env ?? {},
    transport,
    setExitCode: (c) => (exitCode = c),
  });
  await program.parseAsync(["publish", ...args], { from: "user" });
  const summary = out.trim() ? (JSON.parse(out.trim().split("\n").pop()!) as PublishSummary) : undefined;
  return { out, err, exitCode, summary, streams, sent, requests };
}

const common = () => [
  "--stream",
  "crm-events",
  "--key",
  keyFile,
  "--issuer",
  "crm-rails",
  "--audience",
  "crm-pipeline",
  "--linger",
  "1",
];

describe("kjp publish", () => {
  test("--aggregate: messages of one partition key from stdin go as one KPL aggregate, in order", async () => {
    const lines = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({
        type: "deal.stage_changed",
        v: 1,
        data: dealStageChangedV1.example,
        sub: "acc_3Fh7Rw9nB2cD",
        jti: `0194f3c0-0000-7000-8000-00000000000${i}`,
      }),
    );
    // A linger far longer than the test: the batch can only go when the input ends and close() flushes it, so a
    // slow machine cannot split it by outwaiting a short linger while signing.
    const r = await run([...common(), "--aggregate", "--linger", "600000"], { stdin: lines.join("\n") });
    expect(r.exitCode).toBe(0);
    expect(r.summary).toMatchObject({ read: 5, acknowledged: 5 });
    expect(r.sent).toHaveLength(1);
    const unpacked = deaggregate(Buffer.from(r.sent[0]!.Data!));
    if (unpacked.kind !== "aggregate") throw new Error(JSON.stringify(unpacked));
    const jtis = unpacked.records.map(
      (u) =>
        (JSON.parse(Buffer.from(u.data.toString().split(".")[1]!, "base64url").toString()) as { jti: string })
          .jti,
    );
    expect(jtis).toEqual(Array.from({ length: 5 }, (_, i) => `0194f3c0-0000-7000-8000-00000000000${i}`));
  });

  test("one message from the options: signed with the key, partition key = sub, summary printed, exit 0", async () => {
    const r = await run([
      ...common(),
      "--type",
      "deal.stage_changed",
      "--v",
      "1",
      "--data",
      JSON.stringify(dealStageChangedV1.example),
      "--sub",
      "acc_3Fh7Rw9nB2cD",
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.streams).toEqual(["crm-events"]);
    expect(r.summary).toMatchObject({
      stream: "crm-events",
      read: 1,
      published: 1,
      acknowledged: 1,
      failed: 0,
      refused: 0,
    });
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]!.PartitionKey).toBe("acc_3Fh7Rw9nB2cD");
    const token = Buffer.from(r.sent[0]!.Data!).toString("latin1");
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(header).toEqual({ alg: "EdDSA", kid: "crm-ed-1", typ: "kjp+jwt" });
  });

  test("JSON lines from stdin; bad lines and schema failures are reported with their line and make exit 1", async () => {
    const lines = [
      JSON.stringify({
        type: "contact.upserted",
        v: 2,
        data: contactUpsertedV2.example,
        sub: "acc_3Fh7Rw9nB2cD",
      }),
      "",
      "{not json",
      JSON.stringify({
        type: "contact.upserted",
        v: 2,
        data: { ...contactUpsertedV2.example, email: "nope" },
      }),
      JSON.stringify({
        type: "deal.stage_changed",
        v: 1,
        data: dealStageChangedV1.example,
        partitionKey: "deal-pk",
      }),
      JSON.stringify({ type: "deal.stage_changed", v: 1, data: dealStageChangedV1.example, extra: 1 }),
    ].join("\n");
    const r = await run(common(), { stdin: lines });
    expect(r.exitCode).toBe(1);
    expect(r.summary).toMatchObject({ read: 5, published: 2, acknowledged: 2, refused: 3, failed: 0 });
    expect(r.err).toContain("line 3: refused: not valid JSON");
    expect(r.err).toMatch(/line 4: refused: \[invalid_message\] .*email/);
    expect(r.err).toContain("line 6: refused: unknown field(s) extra");
    expect(r.sent.map((e) => e.PartitionKey)).toEqual(["acc_3Fh7Rw9nB2cD", "deal-pk"]);
  });

  test("--no-validate sends data the registry would refuse (the consumer will reject it)", async () => {
    const r = await run([
      ...common(),
      "--no-validate",
      "--type",
      "deal.stage_changed",
      "--v",
      "1",
      "--data",
      '{"dealId":"x"}',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.sent).toHaveLength(1);
  });

  test("--no-strict-order lets one partition key share a request", async () => {
    const lines = [1, 2, 3]
      .map((i) => JSON.stringify({ type: "t.x", v: 1, data: { i }, sub: "acc_1" }))
      .join("\n");
    // A linger far above signing time, so all three are queued before the first request goes.
    const strict = await run([...common(), "--linger", "200", "--no-validate"], { stdin: lines });
    const loose = await run([...common(), "--linger", "200", "--no-validate", "--no-strict-order"], {
      stdin: lines,
    });
    expect(strict.summary).toMatchObject({ acknowledged: 3 });
    expect(loose.summary).toMatchObject({ acknowledged: 3 });
    expect(strict.requests).toBe(3);
    expect(loose.requests).toBe(1);
  });

  test("stream, key, issuer and audience come from the environment when not given", async () => {
    const env = {
      KJP_STREAM: "env-stream",
      KJP_SIGNING_KEY: keyFile,
      KJP_ISSUER: "crm-rails",
      KJP_AUDIENCE: "crm-pipeline",
    };
    const r = await run(["--type", "note.added", "--v", "1", "--data", "{}", "--no-validate"], { env });
    expect(r.streams).toEqual(["env-stream"]);
    expect(r.exitCode).toBe(0);
  });

  test.each([
    [["--key", "k", "--issuer", "i", "--audience", "a"], /--stream is required/],
    [
      ["--stream", "s", "--key", "/nonexistent/key.json", "--issuer", "i", "--audience", "a"],
      /cannot read the key file/,
    ],
    [
      ["--stream", "s", "--key", "k", "--issuer", "i", "--audience", "a", "--type", "t.x"],
      /--type needs --v and --data/,
    ],
    [["--stream", "s", "--key", "k", "--issuer", "i", "--audience", "a", "--linger", "soon"], /--linger/],
  ])("usage errors are ConfigurationErrors (%j)", async (args, message) => {
    await expect(run(args)).rejects.toMatchObject({
      code: "configuration",
      message: expect.stringMatching(message),
    });
  });
});

describe("parseLine", () => {
  test.each([
    ["[1]", "not a JSON object"],
    ['{"type":"a.b","v":0,"data":{}}', "v must be a positive integer"],
    ['{"type":"a.b","v":1,"data":[]}', "data must be a JSON object"],
    ['{"type":"a.b","v":1,"data":{},"sub":5}', "sub must be a string"],
  ])("%s → %s", (line, why) => {
    expect(parseLine(line)).toBe(why);
  });

  test("a full line", () => {
    expect(parseLine('{"type":"a.b","v":1,"data":{"x":1},"sub":"s","partitionKey":"p","jti":"j"}')).toEqual({
      type: "a.b",
      v: 1,
      data: { x: 1 },
      sub: "s",
      partitionKey: "p",
      jti: "j",
    });
  });
});
