import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Command } from "commander";
import { b64url } from "../../lib/envelope/testing/forge.js";
import { register as registerKeys } from "./keys.js";
import { register as registerSign } from "./sign.js";
import { register as registerVerify } from "./verify.js";

interface Run {
  out: string;
  err: string;
  exitCode: number | undefined;
  error?: unknown;
}

async function kjp(args: string[], stdin = ""): Promise<Run> {
  const run: Run = { out: "", err: "", exitCode: undefined };
  const program = new Command("kjp")
    .exitOverride()
    .configureOutput({ writeOut: (s) => (run.out += s), writeErr: (s) => (run.err += s) });
  const out = (s: string) => void (run.out += s);
  const err = (s: string) => void (run.err += s);
  registerKeys(program, { out });
  registerSign(program, { out });
  registerVerify(program, { out, err, stdin: Readable.from([stdin]) });
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    run.error = error;
  }
  run.exitCode = typeof process.exitCode === "number" ? process.exitCode : undefined;
  process.exitCode = undefined;
  return run;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kjp-cli-"));
});
afterEach(() => {
  process.exitCode = undefined;
});

const example = {
  contactId: "con_8Kq2mZpL4xVt",
  accountId: "acc_3Fh7Rw9nB2cD",
  email: "ada@example.com",
  name: "Ada Lovelace",
  updatedAt: "2026-11-24T16:05:12.345Z",
};

async function sign(kid: string, extra: string[] = [], data: object = example) {
  const r = await kjp([
    "sign",
    "--key",
    join(dir, `${kid}.private.jwk.json`),
    "--issuer",
    "crm-rails",
    "--audience",
    "crm-pipeline",
    "--type",
    "contact.upserted",
    "--v",
    "1",
    "--data",
    JSON.stringify(data),
    "--sub",
    "acc_3Fh7Rw9nB2cD",
    ...extra,
  ]);
  expect(r.error).toBeUndefined();
  return r.out.trim();
}
const verifyArgs = (...extra: string[]) => [
  "verify",
  "--keys",
  join(dir, "jwks.json"),
  "--issuer",
  "crm-rails",
  "--audience",
  "crm-pipeline",
  ...extra,
];

describe("kjp keys generate → sign → verify", () => {
  test("generates ES256 and EdDSA keys into one jwks.json, private keys mode 0600", async () => {
    expect(
      (await kjp(["keys", "generate", "--alg", "ES256", "--kid", "crm-es", "--out", dir])).error,
    ).toBeUndefined();
    const r = await kjp(["keys", "generate", "--alg", "EdDSA", "--kid", "crm-ed", "--out", dir]);
    expect(r.out).toMatch(/2 keys/);
    const jwks = JSON.parse(await readFile(join(dir, "jwks.json"), "utf8"));
    expect(jwks.keys.map((k: { kid: string; alg: string }) => [k.kid, k.alg])).toEqual([
      ["crm-es", "ES256"],
      ["crm-ed", "EdDSA"],
    ]);
    expect(jwks.keys.every((k: { d?: string }) => k.d === undefined)).toBe(true);
    expect((await stat(join(dir, "crm-es.private.jwk.json"))).mode & 0o777).toBe(0o600);
  });

  test("refuses a duplicate kid, a path-like kid and an unsupported alg", async () => {
    const dup = await kjp(["keys", "generate", "--alg", "ES256", "--kid", "crm-es", "--out", dir]);
    expect(dup.error).toMatchObject({
      code: "configuration",
      message: expect.stringMatching(/already has a key with kid "crm-es"/),
    });
    expect(
      (await kjp(["keys", "generate", "--alg", "ES256", "--kid", "../x", "--out", dir])).error,
    ).toMatchObject({ code: "configuration" });
    expect(
      (await kjp(["keys", "generate", "--alg", "RS256", "--kid", "r", "--out", dir])).error,
    ).toMatchObject({ code: "commander.invalidArgument" });
  });

  test("a signed token is accepted (exit 0) from --data and from stdin", async () => {
    for (const kid of ["crm-es", "crm-ed"]) {
      const token = await sign(kid);
      for (const r of [await kjp(verifyArgs("--data", token)), await kjp(verifyArgs(), `${token}\n`)]) {
        expect(r.exitCode).toBe(0);
        const line = JSON.parse(r.out);
        expect(line).toMatchObject({
          outcome: "accepted",
          reason: null,
          detail: null,
          message: {
            iss: "crm-rails",
            type: "contact.upserted",
            v: 2,
            sentVersion: 1,
            sub: "acc_3Fh7Rw9nB2cD",
          },
        });
        expect(r.out.trim().split("\n")).toHaveLength(1);
      }
    }
  });

  test("rejections print the reason and exit 1", async () => {
    const token = await sign("crm-es");
    const [h, p, s] = token.split(".") as [string, string, string];
    const header = JSON.parse(Buffer.from(h, "base64url").toString());
    const cases: Array<[string, string[]]> = [
      ["malformed", ["--data", "a.b.c.d.e"]],
      ["header", ["--data", `${b64url(JSON.stringify({ ...header, alg: "none" }))}.${p}.`]],
      ["unknown_key", ["--data", `${b64url(JSON.stringify({ ...header, kid: "nope" }))}.${p}.${s}`]],
      [
        "bad_signature",
        [
          "--data",
          `${h}.${b64url(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sub: "x" }))}.${s}`,
        ],
      ],
      ["expired", ["--data", token, "--now", String(Math.floor(Date.now() / 1000) + 8 * 86400)]],
      // iat an hour after the verifier's clock: in the future beyond the tolerance.
      ["claims", ["--data", token, "--now", String(Math.floor(Date.now() / 1000) - 3600)]],
    ];
    for (const [reason, args] of cases) {
      const r = await kjp(verifyArgs(...args));
      expect({ reason, exit: r.exitCode, line: JSON.parse(r.out).reason }).toEqual({
        reason,
        exit: 1,
        line: reason,
      });
    }
    const wrongAud = await kjp([
      "verify",
      "--keys",
      join(dir, "jwks.json"),
      "--issuer",
      "crm-rails",
      "--audience",
      "other",
      "--data",
      token,
    ]);
    expect(JSON.parse(wrongAud.out)).toMatchObject({
      outcome: "rejected",
      reason: "claims",
      message: { iss: "crm-rails" },
    });
    expect(wrongAud.exitCode).toBe(1);
  });

  test("unknown_type and invalid_payload (with the failing paths)", async () => {
    const unknown = await kjp([
      "sign",
      "--key",
      join(dir, "crm-ed.private.jwk.json"),
      "--issuer",
      "crm-rails",
      "--audience",
      "crm-pipeline",
      "--type",
      "contact.deleted",
      "--v",
      "1",
      "--data",
      "{}",
    ]);
    const r1 = await kjp(verifyArgs("--data", unknown.out.trim()));
    expect(JSON.parse(r1.out).reason).toBe("unknown_type");
    const bad = await sign("crm-ed", [], { ...example, email: "not-an-email" });
    const r2 = await kjp(verifyArgs("--data", bad));
    expect(JSON.parse(r2.out)).toMatchObject({ reason: "invalid_payload", issues: [{ path: "email" }] });
    expect(r2.exitCode).toBe(1);
  });

  test("--ttl and --jti are honoured", async () => {
    const token = await sign("crm-es", ["--ttl", "2h", "--jti", "msg-42"]);
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(payload.exp - payload.iat).toBe(7200);
    expect(payload.jti).toBe("msg-42");
  });
});

describe("usage and configuration errors (exit 2 through the main)", () => {
  test.each([
    [
      "a missing key file",
      [
        "sign",
        "--key",
        "/nope.json",
        "--issuer",
        "i",
        "--audience",
        "a",
        "--type",
        "a.b",
        "--v",
        "1",
        "--data",
        "{}",
      ],
      /cannot read the key file/,
    ],
    [
      "--data that is not JSON",
      ["sign", "--key", "K", "--issuer", "i", "--audience", "a", "--type", "a.b", "--v", "1", "--data", "{x"],
      /--data is not valid JSON/,
    ],
    [
      "--v that is not a positive integer",
      ["sign", "--key", "K", "--issuer", "i", "--audience", "a", "--type", "a.b", "--v", "0", "--data", "{}"],
      /--v "0"/,
    ],
    [
      "a bad --ttl",
      [
        "sign",
        "--key",
        "K",
        "--issuer",
        "i",
        "--audience",
        "a",
        "--type",
        "a.b",
        "--v",
        "1",
        "--data",
        "{}",
        "--ttl",
        "soon",
      ],
      /--ttl "soon"/,
    ],
    [
      "a --ttl the consumer would refuse (above its 8-day maximum lifetime)",
      [
        "sign",
        "--key",
        "K",
        "--issuer",
        "i",
        "--audience",
        "a",
        "--type",
        "a.b",
        "--v",
        "1",
        "--data",
        "{}",
        "--ttl",
        "30d",
      ],
      /--ttl 30d \(2592000 s\) is longer than the consumer's maximum token lifetime of 691200 s/,
    ],
    [
      "an invalid type",
      ["sign", "--key", "K", "--issuer", "i", "--audience", "a", "--type", "Bad", "--v", "1", "--data", "{}"],
      /lowercase dotted/,
    ],
    [
      "a missing jwks file",
      ["verify", "--keys", "/nope/jwks.json", "--issuer", "i", "--audience", "a", "--data", "x"],
      /cannot be read/,
    ],
  ])("%s", async (_name, args, message) => {
    const resolved = args.map((a) => (a === "K" ? join(dir, "crm-es.private.jwk.json") : a));
    const r = await kjp(resolved);
    expect(r.error).toMatchObject({
      code: "configuration",
      retryable: false,
      message: expect.stringMatching(message),
    });
  });

  test("an empty stdin is a usage error", async () => {
    expect((await kjp(verifyArgs(), "  \n")).error).toMatchObject({
      code: "configuration",
      message: "no token given",
    });
  });

  test("a missing required option is a commander usage error", async () => {
    const r = await kjp(["verify", "--issuer", "i", "--audience", "a"]);
    expect(r.error).toMatchObject({ code: "commander.missingMandatoryOptionValue" });
  });

  test("an unreachable key set is exit 2 with a message, not a rejection", async () => {
    const token = await sign("crm-es");
    const r = await kjp([
      "verify",
      "--keys",
      "http://127.0.0.1:9/jwks.json",
      "--issuer",
      "crm-rails",
      "--audience",
      "crm-pipeline",
      "--data",
      token,
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/could not be fetched/);
  });

  test("every command has --help", async () => {
    for (const args of [
      ["keys", "generate", "--help"],
      ["sign", "--help"],
      ["verify", "--help"],
    ]) {
      const r = await kjp(args);
      expect(r.error).toMatchObject({ code: "commander.helpDisplayed" });
      expect(r.out).toMatch(/Usage: kjp/);
    }
  });
});
