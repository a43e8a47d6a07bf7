import { registry } from "./index.js";

/** The paths of an invalid_payload rejection; throws when the data is accepted or refused for another reason. */
export function failingPaths(type: string, v: number, data: unknown): string[] {
  const result = registry.validate(type, v, data);
  if (result.ok) throw new Error(`expected ${type} v${v} to reject ${JSON.stringify(data)}`);
  if (result.reason !== "invalid_payload")
    throw new Error(`expected invalid_payload, got ${result.reason}: ${result.detail}`);
  return (result.issues ?? []).map((i) => i.path);
}

/** A fresh copy of the registered example of (type, v): valid data for tests that only need some. */
export function exampleOf(type: string, v: number): Record<string, unknown> {
  const schema = registry.get(type, v);
  if (!schema) throw new Error(`no schema ${type} v${v}`);
  return structuredClone(schema.example);
}
