import { dealStageChangedV1, dealStageChangedV1Schema } from "./deal-stage-changed.v1.js";
import { failingPaths } from "./test-helpers.js";

const T = "deal.stage_changed";
const ok = dealStageChangedV1.example;

describe("deal.stage_changed v1", () => {
  test("the example passes", () => {
    expect(dealStageChangedV1Schema.safeParse(ok).success).toBe(true);
  });

  test("a new deal has fromStage null; zero amounts and JPY are fine", () => {
    expect(
      dealStageChangedV1Schema.safeParse({
        ...ok,
        fromStage: null,
        toStage: "lead",
        amountMinor: 0,
        currency: "JPY",
      }).success,
    ).toBe(true);
  });

  test.each([
    ["dealId", { dealId: "con_8Kq2mZpL4xVt" }],
    ["accountId", { accountId: "acc_" }],
    ["fromStage", { fromStage: "won" }],
    ["fromStage", { fromStage: undefined }],
    ["toStage", { toStage: "Negotiation" }],
    ["toStage", { fromStage: "proposal", toStage: "proposal" }],
    ["amountMinor", { amountMinor: 12.5 }],
    ["amountMinor", { amountMinor: -1 }],
    ["amountMinor", { amountMinor: Number.MAX_SAFE_INTEGER + 2 }],
    ["amountMinor", { amountMinor: "1250000" }],
    ["currency", { currency: "eur" }],
    ["currency", { currency: "XXX" }],
    ["currency", { currency: "EURO" }],
    ["changedAt", { changedAt: "2026-11-24 09:30:00Z" }],
    ["changedBy", { changedBy: "user-1" }],
  ])("rejects a bad %s", (path, patch) => {
    expect(failingPaths(T, 1, { ...ok, ...patch })).toContain(path);
  });

  test("refuses unknown keys", () => {
    expect(failingPaths(T, 1, { ...ok, probability: 0.9 })).toEqual(["probability"]);
  });
});
