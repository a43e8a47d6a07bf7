import fc from "fast-check";
import { contactUpsertedV1 } from "./contact-upserted.v1.js";
import { contactUpsertedV2, contactUpsertedV2Schema, upcastContactV1ToV2 } from "./contact-upserted.v2.js";
import { registry } from "./index.js";
import { failingPaths } from "./test-helpers.js";

const T = "contact.upserted";
const ok = contactUpsertedV2.example;

describe("contact.upserted v2", () => {
  test("the example passes", () => {
    expect(contactUpsertedV2Schema.safeParse(ok).success).toBe(true);
  });

  test.each([
    ["givenName", { givenName: "" }],
    ["givenName", { givenName: "G".repeat(201) }],
    ["familyName", { familyName: "" }],
    ["familyName", { familyName: undefined }],
    ["tags", { tags: undefined }],
    ["email", { email: "guido@" }],
    ["updatedAt", { updatedAt: "2026-13-01T00:00:00Z" }],
  ])("rejects a bad %s", (path, patch) => {
    expect(failingPaths(T, 2, { ...ok, ...patch })).toContain(path);
  });

  test("v1's name is not a v2 field", () => {
    expect(failingPaths(T, 2, { ...ok, name: "Guido van Rossum" })).toEqual(["name"]);
  });

  test("a mononym gets a null family name", () => {
    expect(contactUpsertedV2Schema.safeParse({ ...ok, familyName: null }).success).toBe(true);
  });
});

describe("upcast v1 → v2", () => {
  test("splits the name at the first space and keeps every other field", () => {
    const out = upcastContactV1ToV2({ ...contactUpsertedV1.example, name: "Guido van Rossum" });
    expect(out).toEqual({
      contactId: contactUpsertedV1.example.contactId,
      accountId: contactUpsertedV1.example.accountId,
      email: contactUpsertedV1.example.email,
      givenName: "Guido",
      familyName: "van Rossum",
      phone: contactUpsertedV1.example.phone,
      tags: contactUpsertedV1.example.tags,
      updatedAt: contactUpsertedV1.example.updatedAt,
    });
    expect(contactUpsertedV2Schema.safeParse(out).success).toBe(true);
  });

  test("a single-word name becomes givenName with familyName null; missing tags become []", () => {
    const { tags: _t, phone: _p, ...v1 } = contactUpsertedV1.example;
    const out = upcastContactV1ToV2({ ...v1, name: "Cher" });
    expect(out.givenName).toBe("Cher");
    expect(out.familyName).toBeNull();
    expect(out.tags).toEqual([]);
    expect("phone" in out).toBe(false);
  });

  test("the registry lifts v1 to valid v2 and reports the latest version", () => {
    const result = registry.validate(T, 1, contactUpsertedV1.example);
    expect(result).toEqual({
      ok: true,
      v: 2,
      data: expect.objectContaining({ givenName: "Ada", familyName: "Lovelace" }),
    });
  });

  test("property: every name v1 accepts upcasts to valid v2", () => {
    const word = fc.stringMatching(/^[A-Za-zÀ-ÿ'.-]{1,20}$/);
    const name = fc
      .tuple(fc.array(word, { minLength: 1, maxLength: 6 }), fc.constantFrom(" ", "  ", "\u00a0"))
      .map(([words, sep]) => words.join(sep))
      .filter((n) => n.length <= 200);
    fc.assert(
      fc.property(name, (n) => {
        const result = registry.validate(T, 1, { ...contactUpsertedV1.example, name: n });
        expect(result.ok).toBe(true);
      }),
    );
  });
});
