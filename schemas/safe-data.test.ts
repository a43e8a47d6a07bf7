import fc from "fast-check";
import { findUnsafeStructure, MAX_DEPTH, MAX_NODES } from "./safe-data.js";

/** Nests `inner` under `depth` objects of one key each: {"a":{"a":…inner…}}. */
const nested = (depth: number, inner: unknown): unknown => {
  let value = inner;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe("findUnsafeStructure", () => {
  test("accepts plain JSON object trees", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 6 })), (data) => {
        // fast-check's jsonValue never nests deeper than MAX_DEPTH here; forbidden names are the only way to fail.
        const forbidden = JSON.stringify(data).match(/"(__proto__|constructor|prototype)":/);
        expect(findUnsafeStructure(JSON.parse(JSON.stringify(data))) === undefined).toBe(!forbidden);
      }),
    );
  });

  test.each([
    ["__proto__", '{"a":[1,{"b":{"__proto__":{}}}]}', "a[1].b.__proto__"],
    ["constructor", '{"x":{"constructor":1}}', "x.constructor"],
    ["prototype", '{"prototype":null}', "prototype"],
  ])("names the path of a forbidden key %s", (key, text, path) => {
    expect(findUnsafeStructure(JSON.parse(text))).toEqual({ path, message: `forbidden key "${key}"` });
  });

  test("refuses data nested deeper than MAX_DEPTH, at the first object too deep", () => {
    expect(findUnsafeStructure(nested(MAX_DEPTH, 1))).toBeUndefined();
    const issue = findUnsafeStructure(nested(MAX_DEPTH + 1, 1));
    expect(issue?.message).toBe(`data is nested deeper than ${MAX_DEPTH} levels`);
    expect(issue?.path).toBe(Array.from({ length: MAX_DEPTH }, () => "a").join("."));
  });

  test("refuses more than MAX_NODES values, counting primitives and the root", () => {
    expect(findUnsafeStructure({ a: new Array<number>(MAX_NODES - 2).fill(0) })).toBeUndefined();
    expect(findUnsafeStructure({ a: new Array<number>(MAX_NODES - 1).fill(0) })?.message).toBe(
      `data has more than ${MAX_NODES} values`,
    );
  });

  test("refuses symbol keys and objects that are not plain", () => {
    expect(findUnsafeStructure({ a: { [Symbol("s")]: 1 } })).toEqual({
      path: "a",
      message: "data must not contain symbol keys",
    });
    expect(findUnsafeStructure({ a: [new Date(0)] })).toEqual({
      path: "a[0]",
      message: "data must contain only plain JSON objects",
    });
    expect(findUnsafeStructure({ a: Object.create(null) as object })).toBeUndefined();
  });

  test("refuses a root that is not an object", () => {
    for (const root of [null, [], "x", 1])
      expect(findUnsafeStructure(root)).toEqual({ path: "(root)", message: "data must be a JSON object" });
  });
});
