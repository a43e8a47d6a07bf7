import type { VerifiedMessage } from "../lib/envelope/types.js";
import { contactUpsertedV2 } from "../schemas/contact-upserted.v2.js";
import { dealStageChangedV1 } from "../schemas/deal-stage-changed.v1.js";
import { noteAddedV1 } from "../schemas/note-added.v1.js";
import { createProcessorRegistry } from "./index.js";

const processors = createProcessorRegistry();
const IAT = Date.parse("2026-11-24T18:00:00Z") / 1000;
const message = (type: string, data: Record<string, unknown>): VerifiedMessage => ({
  header: { alg: "ES256", kid: "k", typ: "kjp+jwt" },
  iss: "crm-rails",
  aud: "crm-pipeline",
  iat: IAT,
  exp: IAT + 86400,
  jti: "jti-1",
  type,
  v: 1,
  sentVersion: 1,
  data,
});
const run = (type: string, data: Record<string, unknown>) => processors.get(type)!(message(type, data));

describe("processors (pure: message → effects)", () => {
  test.each([
    [
      "created straight into a stage",
      { fromStage: null, toStage: "lead", amountMinor: 500 },
      { count_lead: 1, amount_lead: 500 },
    ],
    [
      "moved between stages",
      { fromStage: "proposal", toStage: "negotiation", amountMinor: 700 },
      { count_negotiation: 1, amount_negotiation: 700, count_proposal: -1, amount_proposal: -700 },
    ],
  ])("deal.stage_changed %s → one ADD on the account's totals in that currency", (_, change, add) => {
    const result = run("deal.stage_changed", { ...dealStageChangedV1.example, ...change });
    expect(result).toEqual({
      kind: "effects",
      effects: [
        {
          op: "update",
          key: { pk: `account#${dealStageChangedV1.example.accountId}`, sk: "pipeline#EUR" },
          set: {
            entity: "pipeline_totals",
            accountId: dealStageChangedV1.example.accountId,
            currency: "EUR",
          },
          add,
        },
      ],
    });
  });

  test.each([
    ["a normal update", "2026-11-24T17:45:00+01:00", "effects"],
    ["updatedAt a little after signing (clock drift)", "2026-11-24T18:04:00Z", "effects"],
    ["updatedAt hours after signing", "2026-11-24T23:00:00Z", "refused"],
  ])("contact.upserted with %s", (_, updatedAt, kind) => {
    const result = run("contact.upserted", { ...contactUpsertedV2.example, updatedAt });
    expect(result.kind).toBe(kind);
    if (result.kind === "effects") {
      const [effect] = result.effects;
      expect(effect).toMatchObject({
        op: "put",
        key: {
          pk: `account#${contactUpsertedV2.example.accountId}`,
          sk: `contact#${contactUpsertedV2.example.contactId}`,
        },
        attributes: {
          givenName: "Guido",
          familyName: "van Rossum",
          updatedAtMs: Date.parse(updatedAt),
          sourceJti: "jti-1",
        },
        condition: {
          expression: "attribute_not_exists(pk) OR updatedAtMs < :updatedAtMs",
          values: { ":updatedAtMs": Date.parse(updatedAt) },
          onFailed: "skip",
        },
      });
    }
  });

  test.each([
    [true, ["usr_Gh55kP0mRt22"], true],
    [false, ["usr_Gh55kP0mRt22"], false],
    [true, [], false],
  ])("note.added notify=%s mentions=%j → activity item, notification: %s", (notify, mentions, notified) => {
    const result = run("note.added", { ...noteAddedV1.example, notify, mentions });
    expect(result.kind).toBe("effects");
    if (result.kind !== "effects") return;
    expect(result.effects).toEqual([
      expect.objectContaining({
        op: "put",
        key: { pk: `account#${noteAddedV1.example.accountId}`, sk: `note#${noteAddedV1.example.noteId}` },
        condition: { expression: "attribute_not_exists(pk)", onFailed: "skip" },
      }),
    ]);
    expect(result.notification !== undefined).toBe(notified);
    if (result.notification)
      expect(result.notification).toMatchObject({ idempotencyKey: "crm-rails#jti-1", recipients: mentions });
  });

  test("are pure: the same message gives the same effects", () => {
    const data = { ...dealStageChangedV1.example };
    expect(run("deal.stage_changed", data)).toEqual(run("deal.stage_changed", data));
  });
});
