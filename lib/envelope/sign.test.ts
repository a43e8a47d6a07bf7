import fc from "fast-check";
import { decodeProtectedHeader } from "jose";
import { generateSigningKey } from "./signing-keys.js";
import { createSigner, type Signer } from "./sign.js";
import { AUDIENCE, ISSUER, NOW, makeKeys, makeVerifier, type TestKeys } from "./testing/fixtures.js";
import type { Verifier } from "./verify.js";
import { uuidv7 } from "./uuidv7.js";

let keys: TestKeys;
let verifier: Verifier;
let signers: Signer[];
beforeAll(async () => {
  keys = await makeKeys();
  // HS256 is part of the supported set where a deployment opts in, so the property covers it too.
  verifier = makeVerifier(keys, { allowHS256: true });
  signers = await Promise.all(
    [keys.es, keys.ed, keys.hs].map((k) =>
      createSigner({ privateJwk: k.privateJwk, issuer: ISSUER, audience: AUDIENCE }),
    ),
  );
});

describe("createSigner", () => {
  test("header is exactly alg, kid, typ; claims in contract order with 7-day default lifetime and a UUIDv7 jti", async () => {
    const token = await signers[0]!.sign({
      type: "test.ping",
      v: 2,
      data: { id: "a", note: "", tags: [] },
      sub: "acc_1",
      now: NOW,
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "ES256", kid: "es-1", typ: "kjp+jwt" });
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(Object.keys(payload)).toEqual(["iss", "aud", "iat", "exp", "jti", "type", "v", "data", "sub"]);
    expect(payload.exp - payload.iat).toBe(7 * 86400);
    expect(payload.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test.each([
    ["an uppercase type", { type: "Contact" }],
    ["v 0", { v: 0 }],
    ["data an array", { data: [] as unknown as Record<string, unknown> }],
    ["an empty sub", { sub: "" }],
    ["an empty jti", { jti: "" }],
  ])("refuses %s before signing", async (_name, override) => {
    await expect(
      signers[1]!.sign({ type: "test.ping", v: 1, data: { id: "a" }, ...override }),
    ).rejects.toMatchObject({ code: "invalid_message" });
  });

  test("refuses a message above the Kinesis record limit", async () => {
    await expect(
      signers[1]!.sign({ type: "test.ping", v: 1, data: { id: "a", pad: "x".repeat(1024 * 1024) } }),
    ).rejects.toMatchObject({
      code: "invalid_message",
      message: expect.stringMatching(/above the 1048576-byte/),
    });
  });

  test("refuses a public key, a key without kid or with an unsupported alg", async () => {
    await expect(
      createSigner({ privateJwk: keys.es.publicJwk, issuer: ISSUER, audience: AUDIENCE }),
    ).rejects.toMatchObject({ code: "invalid_key" });
    await expect(
      createSigner({
        privateJwk: { ...keys.es.privateJwk, kid: undefined },
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ).rejects.toMatchObject({ code: "invalid_key" });
    await expect(
      createSigner({
        privateJwk: { ...keys.es.privateJwk, alg: "RS256" },
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ).rejects.toMatchObject({ code: "invalid_key" });
  });

  test("HS256 keys sign tokens that a verifier opting in accepts", async () => {
    const hs = await generateSigningKey("HS256", "hs-1");
    const hsKeys = { ...keys, hs };
    const signer = await createSigner({ privateJwk: hs.privateJwk, issuer: ISSUER, audience: AUDIENCE });
    const token = await signer.sign({ type: "test.ping", v: 1, data: { id: "a" }, now: NOW });
    const result = await makeVerifier(hsKeys, { allowHS256: true }).verify(token, { now: NOW });
    expect(result.ok).toBe(true);
  });
});

describe("uuidv7", () => {
  test("is time-ordered and carries the millisecond timestamp", () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a < b).toBe(true);
    expect(parseInt(a.replace(/-/g, "").slice(0, 12), 16)).toBe(1_700_000_000_000);
  });
});

describe("property: sign then verify is the identity on valid messages", () => {
  const text = fc.string({ maxLength: 40 });
  const message = fc.record(
    {
      id: fc.string({ minLength: 1, maxLength: 64 }),
      note: fc.string({ maxLength: 100 }),
      tags: fc.array(text, { maxLength: 5 }),
      sub: fc.string({ minLength: 1, maxLength: 256 }),
      jti: fc.string({ minLength: 1, maxLength: 256 }),
      ageSec: fc.integer({ min: 0, max: 6 * 86400 }),
      signer: fc.integer({ min: 0, max: 2 }),
    },
    { requiredKeys: ["id", "note", "tags", "jti", "ageSec", "signer"] },
  );

  test("any valid message signed with ES256, EdDSA or (opted-in) HS256 verifies to the same message", async () => {
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const signer = signers[m.signer]!;
        const data = { id: m.id, note: m.note, tags: m.tags };
        const iat = NOW - m.ageSec;
        const input = {
          type: "test.ping",
          v: 2,
          data,
          jti: m.jti,
          now: iat,
          ...(m.sub === undefined ? {} : { sub: m.sub }),
        };
        const result = await verifier.verify(await signer.sign(input), { now: NOW });
        if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.rejection)}`);
        const expected = {
          header: { alg: signer.alg, kid: signer.kid, typ: "kjp+jwt" },
          iss: ISSUER,
          aud: AUDIENCE,
          iat,
          exp: iat + 7 * 86400,
          jti: m.jti,
          type: "test.ping",
          v: 2,
          sentVersion: 2,
          data,
          ...(m.sub === undefined ? {} : { sub: m.sub }),
        };
        expect(result.message).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
