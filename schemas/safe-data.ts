import type { PayloadIssue } from "../lib/envelope/types.js";

/**
 * A structural check of untrusted JSON before any schema or upcaster touches it.
 *
 * JSON.parse turns `"__proto__"` into an ordinary own property; the danger starts when code later copies
 * that object with assignment or a naive deep merge. Strict schemas would report such a key as unknown, but
 * only where the schema is an object: refusing the keys everywhere up front keeps the guarantee independent
 * of how each schema is written. The walk is iterative with a depth and node budget, so a deeply nested or
 * huge record is refused without blowing the stack or spending unbounded time.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
export const MAX_DEPTH = 32;
export const MAX_NODES = 100_000;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg))
      out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out === "" ? "(root)" : out;
}

/** Returns the first structural problem found, or undefined when the data is a plain JSON object tree. */
export function findUnsafeStructure(data: unknown): PayloadIssue | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { path: "(root)", message: "data must be a JSON object" };
  }
  // Every accepted message takes this walk: it keeps no paths. Only data with a problem is walked again,
  // with paths, to say where.
  return isSafeStructure(data) ? undefined : locateUnsafeStructure(data);
}

/**
 * Whether locateUnsafeStructure would find nothing: the same rules and budgets, without paths, and values
 * counted as they are met rather than pushed and popped (only objects are walked). It may flag data that the
 * full walk accepts (it counts array holes), never the reverse: a flag only sends the data to the full walk.
 */
function isSafeStructure(data: object): boolean {
  const objects: object[] = [data];
  const depths: number[] = [0];
  let nodes = 1;
  while (objects.length > 0) {
    const value = objects.pop()!;
    const depth = depths.pop()!;
    if (depth >= MAX_DEPTH) return false;
    if (Array.isArray(value)) {
      const items = value as unknown[];
      nodes += items.length;
      if (nodes > MAX_NODES) return false;
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (typeof item === "object" && item !== null) {
          objects.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    const keys = Reflect.ownKeys(value);
    nodes += keys.length;
    if (nodes > MAX_NODES) return false;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (typeof key !== "string" || FORBIDDEN_KEYS.has(key)) return false;
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === "object" && child !== null) {
        objects.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}

function locateUnsafeStructure(data: object): PayloadIssue | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: data, path: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (++nodes > MAX_NODES)
      return { path: formatPath(path), message: `data has more than ${MAX_NODES} values` };
    if (typeof value !== "object" || value === null) continue;
    if (path.length >= MAX_DEPTH)
      return { path: formatPath(path), message: `data is nested deeper than ${MAX_DEPTH} levels` };
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
      continue;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      return { path: formatPath(path), message: "data must contain only plain JSON objects" };
    }
    // Reflect.ownKeys, not Object.keys or for…in: it sees a `__proto__` own property and never the inherited ones.
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== "string")
        return { path: formatPath(path), message: "data must not contain symbol keys" };
      if (FORBIDDEN_KEYS.has(key))
        return { path: formatPath([...path, key]), message: `forbidden key "${key}"` };
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}
