import { jsonDepthExceeds, parseJsonWithinDepth } from "./json-depth.js";

const bytes = (text: string) => Buffer.from(text, "utf8");

describe("jsonDepthExceeds", () => {
  it.each([
    ["{}", 1],
    ['{"a":[1,{"b":2}]}', 3],
    ["[[[]],[[[]]]]", 4],
    ['{"s":"[[[[[[{{{{"}', 1],
    ['{"s":"a\\"[[[[["}', 1],
    ['{"s":"\\\\","t":[[]]}', 3],
  ])("%s is %i deep", (text, depth) => {
    expect(jsonDepthExceeds(bytes(text), depth)).toBe(false);
    expect(jsonDepthExceeds(bytes(text), depth - 1)).toBe(true);
  });

  it("stops at the limit on text nested far deeper, without parsing it", () => {
    const deep = bytes(`${"[".repeat(500_000)}${"]".repeat(500_000)}`);
    const started = performance.now();
    expect(jsonDepthExceeds(deep, 32)).toBe(true);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it("scans unbalanced or invalid text without throwing (the parser judges validity later)", () => {
    expect(jsonDepthExceeds(bytes("]]]][[["), 3)).toBe(false);
    expect(jsonDepthExceeds(bytes('"unterminated [[[['), 1)).toBe(false);
  });
});

describe("parseJsonWithinDepth", () => {
  it("parses text within the depth and throws a SyntaxError past it, before parsing", () => {
    expect(parseJsonWithinDepth('{"iss":"a","data":{"x":[1]}}')).toEqual({ iss: "a", data: { x: [1] } });
    expect(() => parseJsonWithinDepth("[[[]]]", 2)).toThrow(SyntaxError);
    const deep = `{"iss":"a","data":${"[".repeat(380_000)}${"]".repeat(380_000)}}`;
    const started = process.cpuUsage();
    expect(() => parseJsonWithinDepth(deep)).toThrow(/nested deeper than 32/);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(30);
  });
});
