import { findByJti } from "../../../lib/ledger/inspect.js";
import { recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import {
  dealMessage,
  event,
  FakeShard,
  id,
  ISSUER,
  ledgerItem,
  markerOf,
  pipelineFor,
  sign,
  useTestEnv,
} from "./support.js";

const env = useTestEnv();

/** A deal message signed by the trusted issuer whose payload fails its schema: rejected with a signed identity. */
const invalidDeal = (account: string) => {
  const m = dealMessage(account, null, "lead", 5);
  return { ...m, data: { ...m.data, currency: "XXX" } };
};

describe("rejections whose iss/jti are signed are keyed msg#<iss>#<jti> (docs/architecture.md §4)", () => {
  test("an invalid_payload rejection is found by jti and issuer with one GetItem, and nothing is keyed by position", async () => {
    const shard = new FakeShard();
    const m = invalidDeal(id("acc"));
    const record = shard.record("k", await sign(env, m));
    const result = await pipelineFor(env).process(event([record]));
    expect(result.reports[0]!.outcome).toMatchObject({
      status: "rejected",
      reason: "invalid_payload",
      identityVerified: true,
    });
    const found = await findByJti(env.client, env.ledgerTable, m.jti, ISSUER);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      pk: `msg#${ISSUER}#${m.jti}`,
      status: "rejected",
      failureStatus: "rejected",
      reason: "invalid_payload",
      raw: record.kinesis.data,
      shardId: shard.shardId,
      sequenceNumber: record.kinesis.sequenceNumber,
      attempts: 1,
    });
    expect(typeof found[0]!.failedAt).toBe("string");
    expect(typeof found[0]!.ttl).toBe("number");
    expect(typeof found[0]!.tokenHash).toBe("string");
    expect(
      await ledgerItem(env, recordLedgerKey(shard.shardId, record.kinesis.sequenceNumber)),
    ).toBeUndefined();
  });

  test.each([
    ["with the prefetch (same bytes: no verification)", true],
    ["without it (the marker condition decides)", false],
  ])(
    "a redelivery of the rejected message at another position is a duplicate, %s: no second item",
    async (_name, prefetch) => {
      const shard = new FakeShard();
      const m = invalidDeal(id("acc"));
      const token = await sign(env, m);
      const first = shard.record("k", token);
      const again = shard.record("k", token);
      const pipeline = pipelineFor(env, { settings: { prefetch } });
      expect((await pipeline.process(event([first]))).reports[0]!.outcome.status).toBe("rejected");
      const redelivered = await pipeline.process(event([again]));
      expect(redelivered.reports[0]!.outcome).toEqual({ status: "duplicate" });
      expect(redelivered.response.batchItemFailures).toEqual([]);
      // The item still names the first position; the second one has no item of its own.
      expect(await markerOf(env, m)).toMatchObject({
        status: "rejected",
        sequenceNumber: first.kinesis.sequenceNumber,
        attempts: 1,
      });
      expect(
        await ledgerItem(env, recordLedgerKey(shard.shardId, again.kinesis.sequenceNumber)),
      ).toBeUndefined();
    },
  );

  test("both copies in one batch: the first is rejected, the second a duplicate", async () => {
    const shard = new FakeShard();
    const m = invalidDeal(id("acc"));
    const token = await sign(env, m);
    const result = await pipelineFor(env).process(
      event([shard.record("k", token), shard.record("k", token)]),
    );
    expect(result.reports.map((r) => r.outcome.status)).toEqual(["rejected", "duplicate"]);
    expect(await markerOf(env, m)).toMatchObject({ status: "rejected", attempts: 1 });
  });

  test("a message done earlier stays done when a later, expired copy of its jti arrives", async () => {
    const shard = new FakeShard();
    const m = dealMessage(id("acc"), null, "lead", 5);
    const done = shard.record("k", await sign(env, m));
    const expiredToken = await env.signer.sign({
      type: m.type,
      v: m.v,
      data: m.data,
      jti: m.jti,
      now: Math.floor(Date.now() / 1000) - 8 * 86_400,
    });
    const expired = shard.record("k", expiredToken);
    const pipeline = pipelineFor(env);
    expect((await pipeline.process(event([done]))).reports[0]!.outcome.status).toBe("processed");
    const marker = await markerOf(env, m);
    const later = await pipeline.process(event([expired]));
    expect(later.reports[0]!.outcome).toEqual({ status: "duplicate" });
    expect(await markerOf(env, m)).toEqual(marker);
    expect(
      await ledgerItem(env, recordLedgerKey(shard.shardId, expired.kinesis.sequenceNumber)),
    ).toBeUndefined();
  });

  test("records without a verified identity keep their position key", async () => {
    const shard = new FakeShard();
    const m = dealMessage(id("acc"), null, "lead", 5);
    const token = await sign(env, m);
    const at = token.length - 10;
    const forged = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
    const record = shard.record("k", forged);
    const result = await pipelineFor(env).process(event([record]));
    expect(result.reports[0]!.outcome).toMatchObject({ status: "rejected", reason: "bad_signature" });
    expect(result.reports[0]!.outcome).not.toHaveProperty("identityVerified");
    expect(
      await ledgerItem(env, recordLedgerKey(shard.shardId, record.kinesis.sequenceNumber)),
    ).toMatchObject({ status: "rejected", reason: "bad_signature" });
    expect(await markerOf(env, m)).toBeUndefined();
  });
});
