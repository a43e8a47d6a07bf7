import { candidateTypes, matchesFilters, unverifiedType } from "./filters.js";
import type { ReplayCandidate } from "./types.js";

const token = (claims: Record<string, unknown>) =>
  Buffer.from(
    `${Buffer.from('{"alg":"ES256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`,
  ).toString("base64");

const candidate = (over: Partial<ReplayCandidate> = {}): ReplayCandidate => ({
  id: "c",
  provenance: { source: "ledger", pk: "rec#s#1", status: "rejected" },
  records: [
    {
      shardId: "shardId-000000000000",
      sequenceNumber: "1",
      partitionKey: "k",
      data: token({ type: "note.added" }),
    },
  ],
  ...over,
});

describe("replay filters", () => {
  test("the type claim is read without verification, and anything unreadable has none", () => {
    expect(unverifiedType(token({ type: "deal.stage_changed" }))).toBe("deal.stage_changed");
    expect(unverifiedType(Buffer.from("garbage").toString("base64"))).toBeUndefined();
    expect(unverifiedType(Buffer.from("a.%%%.c").toString("base64"))).toBeUndefined();
    expect(unverifiedType(token({ type: 7 }))).toBeUndefined();
  });

  test("a candidate's types: the source's own, else those its records claim (distinct)", () => {
    expect(candidateTypes(candidate({ type: "contact.upserted" }))).toEqual(["contact.upserted"]);
    const two = candidate({
      records: [
        { shardId: "s", sequenceNumber: "1", partitionKey: "k", data: token({ type: "a.b" }) },
        { shardId: "s", sequenceNumber: "2", partitionKey: "k", data: token({ type: "a.b" }) },
        { shardId: "s", sequenceNumber: "3", partitionKey: "k", data: token({ type: "c.d" }) },
      ],
    });
    expect(candidateTypes(two)).toEqual(["a.b", "c.d"]);
  });

  test("time window: since inclusive, until exclusive; a candidate without a time passes", () => {
    const at = candidate({ failedAt: "2026-11-25T02:00:00.000Z" });
    expect(matchesFilters(at, { since: "2026-11-25T02:00:00Z" })).toBe(true);
    expect(matchesFilters(at, { since: "2026-11-25T02:00:01Z" })).toBe(false);
    expect(matchesFilters(at, { until: "2026-11-25T02:00:00Z" })).toBe(false);
    expect(matchesFilters(at, { until: "2026-11-25T02:00:00.001Z" })).toBe(true);
    expect(
      matchesFilters(candidate(), { since: "2030-01-01T00:00:00Z", until: "2031-01-01T00:00:00Z" }),
    ).toBe(true);
  });

  test("type and reason filters select whole candidates; an unknown reason never matches a reason filter", () => {
    expect(matchesFilters(candidate(), { types: ["note.added"] })).toBe(true);
    expect(matchesFilters(candidate(), { types: ["deal.stage_changed"] })).toBe(false);
    expect(
      matchesFilters(candidate({ reason: "unknown_key" }), { reasons: ["expired", "unknown_key"] }),
    ).toBe(true);
    expect(matchesFilters(candidate({ reason: "expired" }), { reasons: ["unknown_key"] })).toBe(false);
    expect(matchesFilters(candidate(), { reasons: ["unknown_key"] })).toBe(false);
    expect(matchesFilters(candidate(), { types: [], reasons: [] })).toBe(true);
  });
});
