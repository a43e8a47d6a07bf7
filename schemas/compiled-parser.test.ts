import fc from "fast-check";
import { z } from "zod";
import { compileParser } from "./compiled-parser.js";
import { registry } from "./index.js";

/** What a caller of safeParse can observe: success, the output, or the issues (path, code and message). */
function observed(result: ReturnType<z.ZodType["safeParse"]>) {
  return result.success
    ? { success: true, data: result.data }
    : {
        success: false,
        issues: result.error.issues.map((i) => ({ code: i.code, path: i.path, message: i.message })),
      };
}

// Values a hostile or buggy producer could put anywhere: JSON of every kind, and strings near each rule
// (blank, padded, control characters, lone surrogates, long, id- and date-like).
const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.constantFrom(
    "",
    " ",
    " x",
    "x ",
    "a\u0000b",
    "a\u007fb",
    "line\nbreak",
    "tab\there",
    "\ud800",
    "x".repeat(201),
    "x".repeat(5001),
    "con_12345678",
    "acc_12345678",
    "acc_1234567",
    "deal_ABCDEFGH",
    "usr_abcdefgh12",
    "note_abcdefgh",
    "a@b.co",
    "not an email",
    "2026-11-24T17:45:00Z",
    "2026-11-24T17:45:00",
    "2026-13-24T17:45:00+01:00",
    "+14155550123",
    "EUR",
    "XXX",
    "won",
    "lost",
  ),
);
const anyValue = fc.oneof(
  oddString,
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.array(oddString, { maxLength: 25 }),
);

const schemas = registry.list();

/** An example of one schema with a few members replaced, removed or added. */
const mutatedPayload = fc
  .record({
    index: fc.nat({ max: schemas.length - 1 }),
    edits: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: anyValue }),
        fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
        fc.record({ kind: fc.constant("add" as const), name: fc.string({ maxLength: 12 }), value: anyValue }),
      ),
      { maxLength: 4 },
    ),
  })
  .map(({ index, edits }) => {
    const schema = schemas[index]!;
    const data: Record<string, unknown> = structuredClone(schema.example);
    for (const edit of edits) {
      const keys = Object.keys(data);
      if (edit.kind === "add") data[edit.name] = edit.value;
      else if (keys.length > 0) {
        const key = keys[edit.at % keys.length]!;
        if (edit.kind === "set") data[key] = edit.value;
        else delete data[key];
      }
    }
    return { schema, data };
  });

describe("compileParser", () => {
  test("every schema of this pipeline compiles (a refusal would leave it on the slower runtime parser)", () => {
    for (const s of schemas)
      expect({ schema: `${s.type}@${s.v}`, compiled: compileParser(s.schema).compiled }).toEqual({
        schema: `${s.type}@${s.v}`,
        compiled: true,
      });
  });

  test("the compiled parser answers exactly as Zod's runtime parser: same success, output and issues", () => {
    const compiled = new Map(schemas.map((s) => [s, compileParser(s.schema).schema]));
    fc.assert(
      fc.property(mutatedPayload, ({ schema, data }) => {
        expect(observed(compiled.get(schema)!.safeParse(data))).toEqual(
          observed(schema.schema.safeParse(data)),
        );
      }),
      { numRuns: 3000 },
    );
  });

  test("the property above can fail: a parser that differs is caught", () => {
    const schema = schemas.find((s) => s.type === "deal.stage_changed")!;
    const looser = compileParser((schema.schema as z.ZodObject).loose()).schema;
    expect(() =>
      fc.assert(
        fc.property(mutatedPayload, ({ schema: s, data }) => {
          if (s !== schema) return;
          expect(observed(looser.safeParse(data))).toEqual(observed(s.schema.safeParse(data)));
        }),
        { numRuns: 3000 },
      ),
    ).toThrow();
  });

  test("keeps the runtime parser, and says so, for a schema Zod cannot compile", () => {
    const asyncRefined = z.object({ id: z.string() }).refine(async () => true);
    const parser = compileParser(asyncRefined);
    expect(parser.compiled).toBe(false);
    expect(parser.schema).toBe(asyncRefined);
  });
});
