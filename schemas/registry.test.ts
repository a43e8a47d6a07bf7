import { z } from "zod";
import { ConfigurationError } from "../lib/errors/kjp-error.js";
import { contactUpsertedV1 } from "./contact-upserted.v1.js";
import { dealStageChangedV1 } from "./deal-stage-changed.v1.js";
import { registry } from "./index.js";
import { SchemaRegistry } from "./registry.js";
import { MAX_DEPTH, formatPath } from "./safe-data.js";
import type { MessageSchema } from "./types.js";

describe("the registry of this pipeline", () => {
  test("holds the four schemas, ordered by type then version", () => {
    expect(registry.list().map((s) => `${s.type}@${s.v}`)).toEqual([
      "contact.upserted@1",
      "contact.upserted@2",
      "deal.stage_changed@1",
      "note.added@1",
    ]);
    expect(registry.latest("contact.upserted")?.v).toBe(2);
    expect(registry.get("note.added", 1)?.type).toBe("note.added");
  });

  test("every example validates to the latest version of its type", () => {
    for (const s of registry.list()) {
      const result = registry.validate(s.type, s.v, s.example);
      expect(result).toMatchObject({ ok: true, v: registry.latest(s.type)!.v });
    }
  });

  test("returns data copied by the schema, not the caller's object", () => {
    const input = { ...dealStageChangedV1.example };
    const result = registry.validate("deal.stage_changed", 1, input);
    expect(result.ok && result.data).toEqual(input);
    expect(result.ok && result.data).not.toBe(input);
  });
});

describe("unknown_type", () => {
  test.each([
    ["invoice.paid", 1],
    ["contact.upserted", 3],
    ["contact.upserted", 0],
    ["contact.upserted", 1.5],
    ["contact.upserted", -1],
    ["__proto__", 1],
    ["constructor", 1],
    ["toString", 1],
  ])("%s v%s", (type, v) => {
    const result = registry.validate(type, v, {});
    expect(result).toMatchObject({ ok: false, reason: "unknown_type" });
  });

  test("names the known versions when only the version is unknown", () => {
    const result = registry.validate("contact.upserted", 7, {});
    expect(!result.ok && result.detail).toContain("known versions: 1, 2");
  });

  test("never throws for non-string types or non-number versions", () => {
    expect(registry.validate(undefined as unknown as string, 1, {})).toMatchObject({
      ok: false,
      reason: "unknown_type",
    });
    expect(registry.validate("note.added", "1" as unknown as number, {})).toMatchObject({
      ok: false,
      reason: "unknown_type",
    });
  });
});

describe("invalid_payload", () => {
  test("issues carry dotted/bracketed paths and the detail names them, capped", () => {
    const result = registry.validate("note.added", 1, {
      mentions: ["usr_Gh55kP0mRt22", 7],
      notify: 1,
      extra: true,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.issues!.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["noteId", "mentions[1]", "notify", "extra"]));
    expect(result.detail).toMatch(/^data does not match note\.added v1: noteId \(/);
    expect(result.detail).toMatch(/and \d+ more$/);
    expect(result.detail.split("(").length - 1).toBeLessThanOrEqual(5 * 2);
  });

  test.each([null, [], "text", 42, true])("non-object data %p", (data) => {
    expect(registry.validate("note.added", 1, data)).toMatchObject({
      ok: false,
      reason: "invalid_payload",
      issues: [{ path: "(root)" }],
    });
  });

  test("formatPath quotes keys that are not identifiers", () => {
    expect(formatPath(["a", 0, "b-c", "d"])).toBe('a[0]["b-c"].d');
    expect(formatPath([])).toBe("(root)");
  });
});

describe("hostile structure", () => {
  const pristine = () => Object.getOwnPropertyNames(Object.prototype).sort();
  const before = pristine();

  afterEach(() => {
    expect(pristine()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    ['{"__proto__":{"polluted":true}}', "__proto__"],
    ['{"constructor":{"prototype":{"polluted":true}}}', "constructor"],
    ['{"tags":[{"__proto__":{"polluted":true}}]}', "tags[0].__proto__"],
    ['{"prototype":{"polluted":true}}', "prototype"],
  ])("%s (as JSON.parse makes it) is refused at %s", (json, path) => {
    // Appended as JSON text so the key arrives as JSON.parse makes it: an own property (a spread would drop it).
    const hostile: unknown = JSON.parse(
      `${JSON.stringify(contactUpsertedV1.example).slice(0, -1)},${json.slice(1)}`,
    );
    const result = registry.validate("contact.upserted", 1, hostile);
    expect(result).toMatchObject({ ok: false, reason: "invalid_payload" });
    expect(!result.ok && result.issues!.map((i) => i.path)).toContain(path);
  });

  test("deep nesting is refused without recursion", () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const result = registry.validate("note.added", 1, { ...{ deep } });
    expect(result).toMatchObject({ ok: false, reason: "invalid_payload" });
    expect(!result.ok && result.detail).toContain(`deeper than ${MAX_DEPTH}`);
  });

  test("objects that are not plain JSON are refused", () => {
    expect(
      registry.validate("deal.stage_changed", 1, { ...dealStageChangedV1.example, changedAt: new Date() }),
    ).toMatchObject({
      ok: false,
      reason: "invalid_payload",
      issues: [{ path: "changedAt" }],
    });
  });
});

describe("registration and upcasting", () => {
  const base = z.strictObject({ id: z.string() });
  const v1: MessageSchema = { type: "thing.made", v: 1, description: "", schema: base, example: { id: "a" } };
  const v2schema = z.strictObject({ id: z.string(), n: z.number() });

  test("refuses bad names, out-of-order versions and missing upcasters", () => {
    expect(() => new SchemaRegistry().register({ ...v1, type: "Thing" })).toThrow(ConfigurationError);
    expect(() => new SchemaRegistry().register({ ...v1, v: 2, upcastFrom: (d) => d })).toThrow(
      /out of order/,
    );
    expect(() => new SchemaRegistry().register(v1).register({ ...v1, v: 2, schema: v2schema })).toThrow(
      /no upcaster/,
    );
    expect(() => new SchemaRegistry().register(v1).register(v1)).toThrow(/out of order/);
  });

  test("an upcaster producing invalid data is a rejection naming the step, never a crash", () => {
    const r = new SchemaRegistry().register(v1).register({
      type: "thing.made",
      v: 2,
      description: "",
      schema: v2schema,
      upcastFrom: (d) => ({ ...d }),
      example: { id: "a", n: 1 },
    });
    expect(r.validate("thing.made", 1, { id: "a" })).toMatchObject({
      ok: false,
      reason: "invalid_payload",
      issues: [{ path: "n" }],
    });
    expect(
      !r.validate("thing.made", 1, { id: "a" }).ok &&
        (r.validate("thing.made", 1, { id: "a" }) as { detail: string }).detail,
    ).toContain("upcast to v2");
  });

  test("an upcaster that throws is a rejection", () => {
    const r = new SchemaRegistry().register(v1).register({
      type: "thing.made",
      v: 2,
      description: "",
      schema: v2schema,
      upcastFrom: () => {
        throw new Error("boom");
      },
      example: { id: "a", n: 1 },
    });
    expect(r.validate("thing.made", 1, { id: "a" })).toMatchObject({
      ok: false,
      reason: "invalid_payload",
      detail: expect.stringContaining("boom"),
    });
  });

  test("chains through every version to the latest", () => {
    const v3schema = z.strictObject({ id: z.string(), n: z.number(), tag: z.string() });
    const r = new SchemaRegistry()
      .register(v1)
      .register({
        type: "thing.made",
        v: 2,
        description: "",
        schema: v2schema,
        upcastFrom: (d) => ({ id: d.id as string, n: 1 }),
        example: { id: "a", n: 1 },
      })
      .register({
        type: "thing.made",
        v: 3,
        description: "",
        schema: v3schema,
        upcastFrom: (d) => ({ id: String(d.id), n: Number(d.n), tag: `n=${String(d.n)}` }),
        example: { id: "a", n: 1, tag: "x" },
      });
    expect(r.validate("thing.made", 1, { id: "z" })).toEqual({
      ok: true,
      v: 3,
      data: { id: "z", n: 1, tag: "n=1" },
    });
    expect(r.validate("thing.made", 2, { id: "z", n: 5 })).toEqual({
      ok: true,
      v: 3,
      data: { id: "z", n: 5, tag: "n=5" },
    });
  });
});
