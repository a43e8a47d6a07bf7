import { z } from "zod";
import type { SchemaRegistry } from "./registry.js";

/** Where the exported schemas claim to live; a URN because they are shipped as files, not served. */
export const JSON_SCHEMA_ID_BASE = "urn:kinesis-jwt-pipeline:schema:";

export interface ExportedJsonSchema {
  /** File name, e.g. `contact.upserted.v1.json`. */
  file: string;
  type: string;
  v: number;
  schema: Record<string, unknown>;
}

/**
 * JSON Schema (draft 2020-12) for every registered type and version, so producers in other languages (the
 * Rails gem) can validate before sending. Cross-field rules written as Zod refinements (unique tags, a
 * stage change to a different stage) have no JSON Schema form: the consumer remains the final judge.
 */
export function exportJsonSchemas(
  registry: SchemaRegistry,
  idBase: string = JSON_SCHEMA_ID_BASE,
): ExportedJsonSchema[] {
  return registry.list().map((s) => {
    const generated = z.toJSONSchema(s.schema, {
      target: "draft-2020-12",
      io: "input",
      unrepresentable: "any",
    }) as Record<string, unknown>;
    const { $schema, ...rest } = generated;
    const schema: Record<string, unknown> = {
      $schema,
      $id: `${idBase}${s.type}.v${s.v}`,
      title: `${s.type} v${s.v}`,
      description: s.description,
      ...rest,
      examples: [s.example],
    };
    return { file: `${s.type}.v${s.v}.json`, type: s.type, v: s.v, schema };
  });
}
