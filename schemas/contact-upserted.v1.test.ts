import { contactUpsertedV1, contactUpsertedV1Schema } from "./contact-upserted.v1.js";
import { failingPaths } from "./test-helpers.js";

const T = "contact.upserted";
const ok = contactUpsertedV1.example;

describe("contact.upserted v1", () => {
  test("the example passes", () => {
    expect(contactUpsertedV1Schema.safeParse(ok).success).toBe(true);
  });

  test("phone and tags are optional", () => {
    const { phone: _p, tags: _t, ...minimal } = ok;
    expect(contactUpsertedV1Schema.safeParse(minimal).success).toBe(true);
  });

  test.each([
    ["contactId", { contactId: "acc_3Fh7Rw9nB2cD" }],
    ["contactId", { contactId: "con_short" }],
    ["contactId", { contactId: `con_${"a".repeat(41)}` }],
    ["accountId", { accountId: 42 }],
    ["email", { email: "not-an-email" }],
    ["email", { email: `${"a".repeat(250)}@example.com` }],
    ["name", { name: "" }],
    ["name", { name: " Ada" }],
    ["name", { name: "Ada\nLovelace" }],
    ["name", { name: "Ada\u0000" }],
    ["name", { name: "A".repeat(201) }],
    ["phone", { phone: "020 7183 8750" }],
    ["tags", { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ["tags", { tags: ["vip", "vip"] }],
    ["tags[1]", { tags: ["vip", ""] }],
    ["updatedAt", { updatedAt: "2026-11-24T16:05:12" }],
    ["updatedAt", { updatedAt: "yesterday" }],
    ["updatedAt", { updatedAt: 1764000000 }],
  ])("rejects a bad %s", (path, patch) => {
    expect(failingPaths(T, 1, { ...ok, ...patch })).toContain(path);
  });

  test.each(["contactId", "accountId", "email", "name", "updatedAt"])("requires %s", (key) => {
    const data: Record<string, unknown> = { ...ok };
    delete data[key];
    expect(failingPaths(T, 1, data)).toContain(key);
  });

  test("refuses unknown keys so a record cannot smuggle fields through", () => {
    expect(failingPaths(T, 1, { ...ok, isAdmin: true })).toEqual(["isAdmin"]);
  });
});
