import { decodeCompact } from "./compact.js";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const token = (header: unknown, payload: unknown) => `${b64(header)}.${b64(payload)}.c2ln`;
const header = { alg: "ES256", typ: "kjp+jwt", kid: "k-1" };

describe("decodeCompact with recently seen headers", () => {
  test("a header seen before decodes to the same members, frozen; each payload is decoded on its own", () => {
    const first = decodeCompact(token(header, { n: 1 }), 1 << 20);
    const second = decodeCompact(token(header, { n: 2 }), 1 << 20);
    if (!first.ok || !second.ok) throw new Error("not decoded");
    expect(second.token.header).toEqual(header);
    expect(Object.isFrozen(second.token.header)).toBe(true);
    expect([first.token.payload, second.token.payload]).toEqual([{ n: 1 }, { n: 2 }]);
    // The header's checks ran the first time; a bad payload under a known header is still refused as such.
    expect(decodeCompact(`${b64(header)}.${b64([1])}.c2ln`, 1 << 20)).toMatchObject({
      ok: false,
      reason: "malformed",
      detail: "payload is not a JSON object",
      header,
    });
    expect(decodeCompact(`${b64(header)}.eyJhIjoxLCJhIjoyfQ.c2ln`, 1 << 20)).toMatchObject({
      ok: false,
      detail: "payload has a duplicate member name",
    });
  });

  test("a header with a nested member is decoded every time and never shared", () => {
    const nested = { ...header, x: { y: 1 } };
    const a = decodeCompact(token(nested, { n: 1 }), 1 << 20);
    const b = decodeCompact(token(nested, { n: 1 }), 1 << 20);
    if (!a.ok || !b.ok) throw new Error("not decoded");
    expect(a.token.header).toEqual(b.token.header);
    expect(a.token.header).not.toBe(b.token.header);
    expect(Object.isFrozen(a.token.header)).toBe(false);
  });

  test("many distinct headers in turn are all decoded right", () => {
    for (let i = 0; i < 100; i++) {
      const h = { ...header, kid: `k-${i % 40}` };
      const decoded = decodeCompact(token(h, { i }), 1 << 20);
      expect(decoded.ok && [decoded.token.header, decoded.token.payload]).toEqual([h, { i }]);
    }
  });

  test("a refused header is refused again the next time", () => {
    const dup = `${Buffer.from('{"alg":"ES256","alg":"none"}').toString("base64url")}.${b64({})}.c2ln`;
    for (let i = 0; i < 2; i++)
      expect(decodeCompact(dup, 1 << 20)).toEqual({
        ok: false,
        reason: "header",
        detail: "header has a duplicate member name",
      });
  });
});
