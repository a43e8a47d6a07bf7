import { registry } from "../../schemas/index.js";
import { MIN_DEMO_MESSAGES, planWorkload, workloadCounts } from "./workload.js";

describe("workloadCounts", () => {
  test("60 records: every bad kind present, the rest valid", () => {
    expect(workloadCounts(60)).toEqual({
      valid: 47,
      untrusted_kid: 2,
      forged_kid: 1,
      expired: 2,
      invalid_payload: 3,
      unknown_type: 2,
      duplicate: 3,
    });
  });

  test("the default 500", () => {
    const c = workloadCounts(500);
    expect(Object.values(c).reduce((a, b) => a + b, 0)).toBe(500);
    expect(c).toMatchObject({ valid: 390, duplicate: 25, expired: 20, invalid_payload: 25 });
  });

  test("refuses a run too small to hold every kind", () => {
    expect(() => workloadCounts(MIN_DEMO_MESSAGES - 1)).toThrow(/at least 12 messages/);
    expect(workloadCounts(MIN_DEMO_MESSAGES).valid).toBeGreaterThanOrEqual(4);
  });
});

describe("planWorkload", () => {
  const now = 1_795_000_000;
  const plan = planWorkload({ messages: 60, accounts: 7, seed: 3, now });

  test("valid messages cover every registered type and version and pass their schema", () => {
    const valid = plan.messages.filter((m) => m.kind === "valid");
    const kinds = new Set(valid.map((m) => `${m.request.type}@${m.request.v}`));
    expect([...kinds].sort()).toEqual(
      registry
        .list()
        .map((s) => `${s.type}@${s.v}`)
        .sort(),
    );
    for (const m of valid) {
      const result = registry.validate(m.request.type, m.request.v, m.request.data);
      expect(result).toMatchObject({ ok: true });
    }
  });

  test("invalid payloads fail their schema, unknown types have no schema", () => {
    for (const m of plan.messages.filter((x) => x.kind === "invalid_payload"))
      expect(registry.validate(m.request.type, m.request.v, m.request.data)).toMatchObject({ ok: false });
    for (const m of plan.messages.filter((x) => x.kind === "unknown_type"))
      expect(registry.list().some((s) => s.type === m.request.type && s.v === m.request.v)).toBe(false);
  });

  test("partition keys are the accounts, and the sub", () => {
    expect(new Set(plan.messages.map((m) => m.request.partitionKey))).toEqual(new Set(plan.accounts));
    for (const m of plan.messages) expect(m.request.sub).toBe(m.request.partitionKey);
  });

  test("expired messages are signed more than a lifetime ago; others at publish time", () => {
    for (const m of plan.messages) {
      if (m.kind === "expired") expect(m.signedAt).toBeLessThan(now - 7 * 86_400);
      else expect(m.signedAt).toBeUndefined();
    }
  });

  test("each bad kind has its signer and expected reason", () => {
    const by = (kind: string) => plan.messages.filter((m) => m.kind === kind);
    expect(by("untrusted_kid").every((m) => m.signer === "untrusted")).toBe(true);
    expect(by("forged_kid").every((m) => m.signer === "forged")).toBe(true);
    expect(by("untrusted_kid")[0]?.expected).toEqual({ status: "rejected", reason: "unknown_key" });
    expect(by("forged_kid")[0]?.expected).toEqual({ status: "rejected", reason: "bad_signature" });
    expect(new Set(by("valid").map((m) => m.signer))).toEqual(new Set(["crm", "billing"]));
  });

  test("duplicates copy distinct valid messages; jtis are unique", () => {
    const valid = new Set(plan.messages.filter((m) => m.kind === "valid").map((m) => m.request.jti));
    expect(plan.duplicates).toHaveLength(3);
    for (const d of plan.duplicates) expect(valid.has(d.of)).toBe(true);
    expect(new Set(plan.duplicates.map((d) => d.of)).size).toBe(3);
    expect(new Set(plan.messages.map((m) => m.request.jti)).size).toBe(plan.messages.length);
  });

  test("bad records are scattered, not bunched at one end", () => {
    const firstBad = plan.messages.findIndex((m) => m.kind !== "valid");
    const lastBad =
      plan.messages.length - 1 - [...plan.messages].reverse().findIndex((m) => m.kind !== "valid");
    expect(lastBad - firstBad).toBeGreaterThan(plan.messages.length / 2);
  });
});
