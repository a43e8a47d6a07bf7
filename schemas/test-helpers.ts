import { registry } from "./index.js";

/** The paths of an invalid_payload rejection; throws when the data is accepted or refused for another reason. */
export function failingPaths(type: string, v: number, data: unknown): string[] {
  const result = registry.validate(type, v, data);
  if (result.ok) throw new Error(`expected ${type} v${v} to reject ${JSON.stringify(data)}`);
  if (result.reason !== "invalid_payload")
    throw new Error(`expected invalid_payload, got ${result.reason}: ${result.detail}`);
  return (result.issues ?? []).map((i) => i.path);
}
