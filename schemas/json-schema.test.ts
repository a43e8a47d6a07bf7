import { registry } from "./index.js";
import { JSON_SCHEMA_ID_BASE, exportJsonSchemas } from "./json-schema.js";

type JsonSchema = {
  $schema: string;
  $id: string;
  title: string;
  description: string;
  type: string;
  properties: Record<string, { type?: string; pattern?: string; enum?: unknown[]; anyOf?: unknown[] }>;
  required: string[];
  additionalProperties: boolean;
  examples: unknown[];
};

describe("exportJsonSchemas", () => {
  const exported = exportJsonSchemas(registry);

  test("one file per type and version with $id, title and description", () => {
    expect(exported.map((e) => e.file)).toEqual([
      "contact.upserted.v1.json",
      "contact.upserted.v2.json",
      "deal.stage_changed.v1.json",
      "note.added.v1.json",
    ]);
    for (const e of exported) {
      const s = e.schema as JsonSchema;
      expect(s.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(s.$id).toBe(`${JSON_SCHEMA_ID_BASE}${e.type}.v${e.v}`);
      expect(s.title).toBe(`${e.type} v${e.v}`);
      expect(s.description).toBe(registry.get(e.type, e.v)!.description);
    }
  });

  test("objects are closed and the example agrees with the exported constraints", () => {
    for (const e of exported) {
      const s = e.schema as JsonSchema;
      expect(s.type).toBe("object");
      expect(s.additionalProperties).toBe(false);
      const example = s.examples[0] as Record<string, unknown>;
      for (const key of s.required) expect(example).toHaveProperty(key);
      for (const [key, value] of Object.entries(example)) {
        const prop = s.properties[key];
        expect(prop).toBeDefined();
        if (prop?.pattern && typeof value === "string") expect(value).toMatch(new RegExp(prop.pattern));
        if (prop?.enum) expect(prop.enum).toContain(value);
      }
    }
  });

  test("keeps the numeric and enum constraints a Rails producer must honour", () => {
    const deal = exported.find((e) => e.file === "deal.stage_changed.v1.json")!.schema as JsonSchema;
    expect(deal.properties.amountMinor).toEqual({
      type: "integer",
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    });
    expect(deal.properties.currency!.enum).toContain("EUR");
    const note = exported.find((e) => e.file === "note.added.v1.json")!.schema as JsonSchema;
    expect(note.properties.body).toMatchObject({ type: "string", minLength: 1, maxLength: 10_000 });
    expect(note.properties.mentions).toMatchObject({ type: "array", maxItems: 50 });
  });

  test("is plain JSON (round-trips)", () => {
    for (const e of exported) expect(JSON.parse(JSON.stringify(e.schema))).toEqual(e.schema);
  });
});
