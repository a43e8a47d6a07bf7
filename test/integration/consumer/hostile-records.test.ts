import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { forge, type ForgeKey } from "../../../lib/envelope/testing/forge.js";
import { messageLedgerKey, recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { createProcessorRegistry } from "../../../processors/index.js";
import {
  AUDIENCE,
  event,
  FakeShard,
  id,
  ISSUER,
  ledgerItem,
  markerOf,
  noteMessage,
  pipelineFor,
  sign,
  useTestEnv,
} from "./support.js";

const env = useTestEnv();
let untrusted: ForgeKey;

beforeAll(async () => {
  const key = await generateSigningKey("ES256", "untrusted-1");
  untrusted = { alg: "ES256", privateJwk: key.privateJwk };
});

const now = () => Math.floor(Date.now() / 1000);

/** A token nobody trusted signed: anyone who can put a record on the stream can write these claims. */
function untrustedToken(claims: Record<string, unknown>, key = untrusted, kid = "untrusted-1"): string {
  return forge(
    { alg: "ES256", kid, typ: "kjp+jwt" },
    {
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now(),
      exp: now() + 600,
      jti: id("j"),
      type: "note.added",
      v: 1,
      data: {},
      ...claims,
    },
    key,
  );
}

describe("unverified values never become keys or numbers (issue 10, item 1)", () => {
  test.each([
    ["iss and jti of 3,000 '#'", { iss: "#".repeat(3_000), jti: "#".repeat(3_000) }],
    ["jti of 3,000 '#' under the trusted issuer's name", { jti: "#".repeat(3_000) }],
    ['a claim "v": 1e300', { v: 1e300 }],
    ['a claim "v": 5e-324', { v: 5e-324 }],
    ["a 300 KB sub and type", { sub: "s".repeat(300_000), type: `a.${"b".repeat(300_000)}` }],
  ])(
    "%s, signed by an untrusted key: rejected by position and acknowledged; its neighbours go on",
    async (_name, claims) => {
      const shard = new FakeShard();
      const account = id("acc");
      const before = noteMessage(account, false);
      const after = noteMessage(account, false);
      const records = [
        shard.record(account, await sign(env, before)),
        shard.record(account, untrustedToken(claims)),
        shard.record(account, await sign(env, after)),
      ];
      const started = Date.now();
      const result = await pipelineFor(env).process(event(records));

      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.response.batchItemFailures).toEqual([]);
      expect(result.reports.map((r) => r.outcome.status)).toEqual(["processed", "rejected", "processed"]);
      const item = await ledgerItem(env, recordLedgerKey(shard.shardId, records[1]!.kinesis.sequenceNumber));
      expect(item).toMatchObject({ status: "rejected", claimsVerified: false });
      // Unverified facts are bounded strings, never numbers.
      for (const name of ["iss", "jti", "type", "sub", "v"]) {
        if (item?.[name] === undefined) continue;
        expect(typeof item[name]).toBe("string");
        expect((item[name] as string).length).toBeLessThanOrEqual(256);
      }
      expect(await markerOf(env, before)).toMatchObject({ status: "done" });
      expect(await markerOf(env, after)).toMatchObject({ status: "done" });
    },
  );

  test('a trusted token with "v": 1e300 is rejected under its message key, its v kept as text', async () => {
    const shard = new FakeShard();
    const jti = id("j");
    const token = untrustedToken(
      { jti, v: 1e300 },
      { alg: "ES256", privateJwk: env.privateJwk },
      "test-es-1",
    );
    const result = await pipelineFor(env).process(event([shard.record("k", token)]));
    expect(result.response.batchItemFailures).toEqual([]);
    expect(result.reports[0]!.outcome).toMatchObject({ status: "rejected", identityVerified: true });
    expect(await ledgerItem(env, messageLedgerKey(ISSUER, jti))).toMatchObject({
      status: "rejected",
      v: "1e+300",
    });
  });
});

describe("a write DynamoDB refuses is that record's problem alone", () => {
  test("an effect DynamoDB cannot store (a 500 KB item) rejects its message; the records around it, in the same transaction, are applied", async () => {
    const shard = new FakeShard();
    const accounts = [id("acc"), id("acc"), id("acc")];
    const messages = accounts.map((a) => noteMessage(a, false));
    const huge = messages[1]!.jti;
    const registry = createProcessorRegistry();
    const note = registry.get("note.added")!;
    const processors = new Map(registry);
    // A processor bug for one message: an item over DynamoDB's 400 KB.
    processors.set("note.added", (message) => {
      const result = note(message);
      if (message.jti !== huge || result.kind !== "effects") return result;
      return {
        ...result,
        effects: [
          ...result.effects,
          { op: "put", key: { pk: `big#${huge}`, sk: "x" }, attributes: { blob: "x".repeat(500_000) } },
        ],
      };
    });
    const records = await Promise.all(
      messages.map(async (m, i) => shard.record(accounts[i]!, await sign(env, m))),
    );
    let transactions = 0;
    const result = await pipelineFor(env, {
      processors,
      observer: { transaction: () => void transactions++ },
    }).process(event(records));

    expect(result.response.batchItemFailures).toEqual([]);
    expect(result.reports.map((r) => r.outcome.status)).toEqual(["processed", "rejected", "processed"]);
    expect(result.reports[1]!.outcome).toMatchObject({
      reason: "processor",
      detail: expect.stringMatching(/DynamoDB refused/),
    });
    expect(await markerOf(env, messages[0]!)).toMatchObject({ status: "done" });
    expect(await markerOf(env, messages[1]!)).toMatchObject({ status: "rejected", reason: "processor" });
    expect(await markerOf(env, messages[2]!)).toMatchObject({ status: "done" });
    // Bounded: the whole batch, the refused one alone, then its rejection (and the innocent ones again).
    expect(transactions).toBeLessThanOrEqual(6);
  });
});

test("ledger key parts are escaped: a jti with '#' and one spelling the escape are two messages (issue 10, item 5)", async () => {
  const shard = new FakeShard();
  const account = id("acc");
  const hashJti = `${id("billing")}#X`;
  const first = { ...noteMessage(account, false), jti: hashJti };
  const second = { ...noteMessage(account, false), jti: hashJti.replace("#", "%23") };
  const records = [
    shard.record(account, await sign(env, first)),
    shard.record(account, await sign(env, second)),
  ];
  const result = await pipelineFor(env).process(event(records));
  expect(result.reports.map((r) => r.outcome.status)).toEqual(["processed", "processed"]);
  expect(await ledgerItem(env, `msg#${ISSUER}#${hashJti.replace("#", "%23")}`)).toMatchObject({
    status: "done",
    jti: hashJti,
  });
  expect(await ledgerItem(env, `msg#${ISSUER}#${hashJti.replace("#", "%2523")}`)).toMatchObject({
    status: "done",
    jti: second.jti,
  });
});
