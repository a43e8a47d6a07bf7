import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { ConfigurationError } from "../../../lib/errors/kjp-error.js";
import { consumerDepsFromEnv } from "../../../handlers/wiring/consumer.js";
import { canonicalToken } from "../../../lib/envelope/canonical-token.js";
import { ecdsaTwin } from "../../../lib/envelope/testing/forge.js";
import type { VerifyFn } from "../../../lib/pipeline/types.js";
import { consumerEnvFor, inlineKeys } from "../setup/consumer-env.js";
import {
  accountItems,
  dealMessage,
  event,
  FakeShard,
  id,
  ledgerItem,
  markerOf,
  noteMessage,
  pipelineFor,
  sign,
  useTestEnv,
} from "./support.js";

const env = useTestEnv();

/** The env's verifier, counting its calls: a shortcut that recognises a token skips verification. */
function countingVerify(): { verify: VerifyFn; calls: () => number } {
  let calls = 0;
  return {
    verify: (token) => {
      calls++;
      return env.verify(token);
    },
    calls: () => calls,
  };
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("hostile protected headers (issue 10, item 6)", () => {
  test.each([
    ["nested 5,000 deep (used to overflow the stack: malformed)", 5_000, /above the 4096-byte limit/],
    ["nested 1,000 deep", 1_000, /nested deeper than 4 levels/],
    ["of 1 MB nested 380,000 deep", 380_000, /above the 4096-byte limit/],
  ])(
    "a header %s is rejected as `header` by position, and the record behind it on the key is processed",
    async (_name, depth, detail) => {
      const shard = new FakeShard();
      const account = id("acc");
      const good = noteMessage(account, false);
      const goodToken = await sign(env, good);
      const [, payload, signature] = goodToken.split(".");
      const header = `{"alg":"ES256","kid":"test-es-1","typ":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const hostile = shard.record(account, `${b64(header)}.${payload}.${signature}`);
      const { result, parsedNesting } = await watchingJsonParse(() =>
        pipelineFor(env).process(event([hostile, shard.record(account, goodToken)])),
      );

      expect(result.response.batchItemFailures).toEqual([]);
      expect(result.reports[0]!.outcome).toMatchObject({ status: "rejected", reason: "header" });
      expect((result.reports[0]!.outcome as { detail: string }).detail).toMatch(detail);
      expect(result.reports[1]!.outcome.status).toBe("processed");
      expect(
        await ledgerItem(env, recordLedgerKey(shard.shardId, hostile.kinesis.sequenceNumber)),
      ).toMatchObject({ status: "rejected", reason: "header" });
      expect(await markerOf(env, good)).toMatchObject({ status: "done" });
      // Refused on its bytes: the hostile header never reached JSON.parse (which cost ~100 ms a verify).
      expect(parsedNesting).toBe(false);
    },
  );
});

test("a 1 MB payload nested 380,000 deep is malformed at linear cost, in the peek before verification too", async () => {
  const shard = new FakeShard();
  const header = b64('{"alg":"ES256","kid":"test-es-1","typ":"kjp+jwt"}');
  const payload = b64(`{"iss":"crm-rails","jti":"j","data":${"[".repeat(380_000)}${"]".repeat(380_000)}}`);
  const hostile = shard.record("k", `${header}.${payload}.${"A".repeat(86)}`);
  const pipeline = pipelineFor(env);
  const { result, parsedNesting } = await watchingJsonParse(() => pipeline.process(event([hostile])));
  expect(result.reports[0]!.outcome).toMatchObject({ status: "rejected", reason: "malformed" });
  expect((result.reports[0]!.outcome as { detail: string }).detail).toMatch(/nested deeper than 32/);
  // Neither the peek nor the verifier parsed it (the peek's JSON.parse alone used to cost ~70 ms); the CPU
  // cost per hostile token is measured by `npm run bench:hostile-headers`, not timed here.
  expect(parsedNesting).toBe(false);
});

/**
 * Runs fn while watching what JSON.parse is given: whether any text held a run of 64 opening brackets, as the
 * hostile tokens do. A deterministic stand-in for "no per-level parsing cost" (the depth limits are checked on
 * the bytes, before any parse).
 */
async function watchingJsonParse<T>(fn: () => Promise<T>): Promise<{ result: T; parsedNesting: boolean }> {
  const original = JSON.parse;
  const nesting = "[".repeat(64);
  let parsedNesting = false;
  JSON.parse = ((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (String(text).includes(nesting)) parsedNesting = true;
    return original(text, reviver);
  }) as typeof JSON.parse;
  try {
    return { result: await fn(), parsedNesting };
  } finally {
    JSON.parse = original;
  }
}

describe("both ECDSA spellings of one token behave alike (issue 10, item 7)", () => {
  const lowAndHigh = (token: string): [string, string] => {
    const low = canonicalToken(token);
    return [low, ecdsaTwin(low)];
  };

  test.each([
    ["the low-S spelling first", 0],
    ["the high-S spelling first", 1],
  ])(
    "processed with %s, the other spelling is a duplicate found by the redelivery shortcut, never verified",
    async (_name, first) => {
      const shard = new FakeShard();
      const account = id("acc");
      const m = dealMessage(account, null, "lead", 700);
      const spellings = lowAndHigh(await sign(env, m));
      expect(spellings[0]).not.toBe(spellings[1]);
      const counter = countingVerify();
      const pipeline = pipelineFor(env, { verify: counter.verify });

      const done = await pipeline.process(event([shard.record(account, spellings[first]!)]));
      expect(done.reports[0]!.outcome.status).toBe("processed");
      const marker = await markerOf(env, m);
      const effects = await accountItems(env, account);

      const twin = await pipeline.process(event([shard.record(account, spellings[1 - first]!)]));
      expect(twin.reports[0]!.outcome).toEqual({ status: "duplicate" });
      expect(twin.response.batchItemFailures).toEqual([]);
      expect(counter.calls()).toBe(1);
      expect(await markerOf(env, m)).toEqual(marker);
      expect(await accountItems(env, account)).toEqual(effects);
    },
  );

  test("the other spelling of a rejected (signed, invalid_payload) token is a duplicate of that rejection", async () => {
    const shard = new FakeShard();
    const account = id("acc");
    const base = dealMessage(account, null, "lead", 5);
    const m = { ...base, data: { ...base.data, currency: "XXX" } };
    const [low, high] = lowAndHigh(await sign(env, m));
    const counter = countingVerify();
    const pipeline = pipelineFor(env, { verify: counter.verify });

    const first = await pipeline.process(event([shard.record(account, high)]));
    expect(first.reports[0]!.outcome).toMatchObject({ status: "rejected", reason: "invalid_payload" });
    const marker = await markerOf(env, m);
    const twinRecord = shard.record(account, low);
    const twin = await pipeline.process(event([twinRecord]));
    expect(twin.reports[0]!.outcome).toEqual({ status: "duplicate" });
    expect(counter.calls()).toBe(1);
    expect(await markerOf(env, m)).toEqual(marker);
    expect(
      await ledgerItem(env, recordLedgerKey(shard.shardId, twinRecord.kinesis.sequenceNumber)),
    ).toBeUndefined();
  });
});

describe("issuer names are checked when the consumer loads its configuration (issue 10, build)", () => {
  test.each(["shop#billing", "crm\u0000rails", "crm rails"])(
    "KJP_ISSUERS naming %j stops the consumer at start-up with a ConfigurationError",
    (issuer) => {
      const jwks = inlineKeys();
      const config = {
        ...process.env,
        ...consumerEnvFor(env, {
          audience: "crm-pipeline",
          issuers: [
            { issuer: "shop", keys: jwks },
            { issuer, keys: jwks },
          ],
        }),
      };
      expect(() => consumerDepsFromEnv(config)).toThrow(ConfigurationError);
      expect(() => consumerDepsFromEnv(config)).toThrow(/KJP_ISSUERS\[1\]: issuer name .* is not accepted/);
      // The same configuration with a plain name starts.
      const fine = { ...config, KJP_ISSUERS: JSON.stringify([{ issuer: "shop-billing", keys: jwks }]) };
      expect(() => consumerDepsFromEnv(fine)).not.toThrow();
    },
  );
});
