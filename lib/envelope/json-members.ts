import { scanJsonText } from "./json-depth.js";

/**
 * Duplicate member names in JSON text. JSON.parse keeps the last of two equal names silently, and other
 * parsers keep the first: a header `{"alg":"none",…,"alg":"ES256"}` could then mean one thing to the signer's
 * tooling and another to us. RFC 7515 §4 lets a JWS parser either reject duplicates or take the last; the
 * contract rejects them, so every implementation reads a token the same way.
 *
 * For text JSON.parse has already accepted, a duplicate exists exactly when the text holds more member names
 * than the parsed value has members. Names are counted in one linear pass (a string followed by `:` is a
 * name), members with an iterative walk: no recursion, cost linear in the size, whatever the input.
 */
export function hasDuplicateMembers(text: Uint8Array, parsed: unknown): boolean {
  return scanJsonText(text, Infinity) !== shapeOf(parsed, Infinity).members;
}

export interface ParsedShape {
  /** Members of every object in the value (array items are not members). */
  members: number;
  /** Nested deeper than the limit, counting the root as level 1. */
  tooDeep: boolean;
  /** A `__proto__` member somewhere: an own property after JSON.parse, dangerous after any naive copy. */
  hasProtoKey: boolean;
}

/**
 * One iterative walk (no recursion, so no stack to exhaust) over a parsed JSON value, for what the decoder
 * needs to know of it: its member count (against the names in its text), its depth and `__proto__` members.
 * The walk always finishes, so the member count is whole even when the value is too deep.
 */
export function shapeOf(root: unknown, depthLimit: number): ParsedShape {
  let members = 0;
  let tooDeep = false;
  let hasProtoKey = false;
  const values: unknown[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (depth > depthLimit) tooDeep = true;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === "object" && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    const keys = Object.keys(value);
    members += keys.length;
    for (const key of keys) {
      if (key === "__proto__") hasProtoKey = true;
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === "object" && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return { members, tooDeep, hasProtoKey };
}
