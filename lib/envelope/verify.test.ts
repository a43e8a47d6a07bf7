import { createPublicKey } from "node:crypto";
import { registry } from "../../schemas/index.js";
import { TransientError } from "../errors/kjp-error.js";
import type { KeySet } from "./keysets/key-set.js";
import { createSigner } from "./sign.js";
import { b64url, forge } from "./testing/forge.js";
import {
  AUDIENCE,
  ISSUER,
  NOW,
  OTHER_ISSUER,
  claims,
  makeKeys,
  makeVerifier,
  type TestKeys,
} from "./testing/fixtures.js";
import { createVerifier, type Verifier } from "./verify.js";

let keys: TestKeys;
let verifier: Verifier;
const es = () => ({ alg: "ES256" as const, privateJwk: keys.es.privateJwk });
const ed = () => ({ alg: "EdDSA" as const, privateJwk: keys.ed.privateJwk });
const hdr = (extra: Record<string, unknown> = {}) => ({
  alg: "ES256",
  kid: "es-1",
  typ: "kjp+jwt",
  ...extra,
});

beforeAll(async () => {
  keys = await makeKeys();
  verifier = makeVerifier(keys);
});

async function reasonOf(token: string | Uint8Array, v: Verifier = verifier, opts = {}) {
  const result = await v.verify(token, { now: NOW, ...opts });
  return result.ok ? { reason: "accepted", detail: "" } : result.rejection;
}

async function expectReason(
  token: string | Uint8Array,
  reason: string,
  detail?: RegExp,
  v: Verifier = verifier,
) {
  const r = await reasonOf(token, v);
  expect(r.reason).toBe(reason);
  if (detail) expect(r.detail).toMatch(detail);
  return r;
}

describe("accepted tokens", () => {
  test("ES256 and EdDSA tokens verify to the message, upcast to the latest version", async () => {
    for (const key of [es(), ed()]) {
      const h = hdr({ alg: key.alg, kid: key.alg === "ES256" ? "es-1" : "ed-1" });
      const result = await verifier.verify(forge(h, claims({ v: 1, data: { id: "x" } }), key), { now: NOW });
      expect(result).toEqual({
        ok: true,
        message: {
          header: { alg: key.alg, kid: h.kid, typ: "kjp+jwt" },
          iss: ISSUER,
          aud: AUDIENCE,
          iat: NOW - 10,
          exp: NOW - 10 + 7 * 86400,
          jti: "01890a5d-ac96-774b-bcce-b302099a8057",
          type: "test.ping",
          v: 2,
          sentVersion: 1,
          sub: "acc_1",
          data: { id: "x", note: "", tags: [] },
        },
      });
    }
  });

  test("a Uint8Array token and an aud array containing the audience are accepted", async () => {
    const token = forge(hdr(), claims({ aud: ["other", AUDIENCE] }), es());
    expect((await reasonOf(Buffer.from(token))).reason).toBe("accepted");
  });

  test("HS256 works only when the verifier opts in", async () => {
    const secret = Buffer.from(keys.hs.privateJwk.k as string, "base64url");
    const token = forge(hdr({ alg: "HS256", kid: "hs-1" }), claims(), { alg: "HS256", secret });
    await expectReason(token, "header", /alg "HS256" is not allowed/);
    expect((await reasonOf(token, makeVerifier(keys, { allowHS256: true }))).reason).toBe("accepted");
  });

  test("expGraceSec widens exp only", async () => {
    const token = forge(hdr(), claims({ iat: NOW - 8 * 86400 + 100, exp: NOW - 86400 }), es());
    await expectReason(token, "expired");
    expect((await reasonOf(token, verifier, { expGraceSec: 2 * 86400 })).reason).toBe("accepted");
  });
});

describe("malformed", () => {
  test("a 5-part (JWE) token", async () => {
    await expectReason("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "malformed", /5 parts: JWE/);
  });
  test("2 parts and 4 parts", async () => {
    await expectReason("a.b", "malformed", /2 part/);
    await expectReason("a.b.c.d", "malformed", /4 part/);
  });
  test.each([
    ["padding", (t: string) => t.replace(/^([^.]+)/, "$1==")],
    ["+", (t: string) => t.replace(/^(.)/, "+")],
    ["/", (t: string) => t.replace(/^(.)/, "/")],
    ["whitespace", (t: string) => t.replace(".", " .")],
    ["newline", (t: string) => `${t}\n`],
  ])("bad base64url: %s", async (_name, mutate) => {
    await expectReason(mutate(forge(hdr(), claims(), es())), "malformed", /not base64url|impossible/);
  });
  test("non-canonical base64url (non-zero trailing bits)", async () => {
    const t = forge(hdr(), claims(), es());
    const [h, p, s] = t.split(".");
    // "eyJ...fQ" ends in 'Q' (…010000); 'R' decodes to the same byte with a stray low bit.
    const bad = `${h!.slice(0, -1)}${h!.endsWith("Q") ? "R" : "B"}.${p}.${s}`;
    await expectReason(bad, "malformed");
  });
  test.each([
    ["header not JSON", () => forge("{not json", claims(), es()), /header is not JSON/],
    ["header a JSON array", () => forge("[1,2]", claims(), es()), /header is not a JSON object/],
    ["header JSON null", () => forge("null", claims(), es()), /header is not a JSON object/],
    ["payload not JSON", () => forge(hdr(), "not json", es()), /payload is not JSON/],
    ["payload a JSON string", () => forge(hdr(), '"x"', es()), /payload is not a JSON object/],
    ["payload a number", () => forge(hdr(), "42", es()), /payload is not a JSON object/],
    [
      "payload invalid UTF-8",
      () => forge(hdr(), Buffer.from([0x7b, 0xff, 0x7d]).toString("latin1"), es()),
      /UTF-8|JSON/,
    ],
  ])("%s", async (_name, make, detail) => {
    await expectReason(make(), "malformed", detail);
  });
  test("oversized token is refused before parsing", async () => {
    const big = forge(hdr(), claims({ data: { id: "x", note: "n", tags: [], pad: "x".repeat(2000) } }), es());
    await expectReason(
      big,
      "malformed",
      /above the 1000-byte limit/,
      makeVerifier(keys, { maxTokenBytes: 1000 }),
    );
    const huge = "a".repeat(1024 * 1024 + 1);
    await expectReason(huge, "malformed", /above the 1048576-byte limit/);
  });
  test("deeply nested data is refused without a stack overflow", async () => {
    const nested = '{"a":'.repeat(5000) + "{}" + "}".repeat(5000);
    const payload = JSON.stringify(claims({ data: "DATA" })).replace('"DATA"', nested);
    await expectReason(forge(hdr(), payload, es()), "malformed", /nested deeper than 32/);
    const arrays = "[".repeat(100_000) + "]".repeat(100_000);
    await expectReason(forge(hdr(), `{"data":${arrays}}`, es()), "malformed");
  });
  test("a payload nested 380k deep is refused on its bytes, before JSON.parse", async () => {
    const arrays = "[".repeat(380_000) + "]".repeat(380_000);
    await expectReason(forge(hdr(), `{"data":${arrays}}`, es()), "malformed", /nested deeper than 32/);
  });
  test("non-ASCII bytes in a Uint8Array token", async () => {
    const t = Buffer.from(forge(hdr(), claims(), es()));
    t[3] = 0xc3;
    await expectReason(t, "malformed", /not base64url/);
  });
  test("not a string at all never throws", async () => {
    await expectReason(42 as unknown as string, "malformed");
    await expectReason(undefined as unknown as string, "malformed");
  });
});

describe("header", () => {
  test("alg none", async () => {
    await expectReason(forge(hdr({ alg: "none" }), claims(), { alg: "none" }), "header", /alg "none"/);
  });
  test.each(["jku", "x5u", "x5c", "jwk", "crit"])("%s in the header", async (member) => {
    const value =
      member === "crit"
        ? ["exp"]
        : member === "x5c"
          ? ["MIIB"]
          : member === "jwk"
            ? keys.es.publicJwk
            : "https://evil.example/k";
    await expectReason(forge(hdr({ [member]: value }), claims(), es()), "header", new RegExp(`"${member}"`));
  });
  test("wrong typ, missing typ", async () => {
    await expectReason(forge(hdr({ typ: "JWT" }), claims(), es()), "header", /typ "JWT"/);
    const { typ: _typ, ...noTyp } = hdr();
    await expectReason(forge(noTyp, claims(), es()), "header", /typ is missing/);
  });
  test("missing kid, non-string kid", async () => {
    const { kid: _kid, ...noKid } = hdr();
    await expectReason(forge(noKid, claims(), es()), "header", /kid/);
    await expectReason(forge(hdr({ kid: 7 }), claims(), es()), "header", /kid/);
  });
  test("a header nested deeper than the limit is `header`, refused before it is parsed", async () => {
    // Nested in typ, the member whose value the policy quotes: 5,000 deep used to overflow the stack.
    for (const depth of [4, 1_500]) {
      const header = `{"alg":"ES256","kid":"es-1","typ":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      await expectReason(forge(header, claims(), es()), "header", /nested deeper than 4 levels/);
    }
    const huge = `{"alg":"ES256","kid":"es-1","typ":${"[".repeat(5_000)}${"]".repeat(5_000)}}`;
    await expectReason(forge(huge, claims(), es()), "header", /above the 4096-byte limit/);
    const fine = `{"alg":"ES256","kid":"es-1","typ":"kjp+jwt","x":[[1]]}`;
    expect((await reasonOf(forge(fine, claims(), es()))).reason).toBe("accepted");
  });
  test("a header above 4096 bytes is `header`; one just below is read", async () => {
    const padded = (n: number) => JSON.stringify(hdr({ pad: "" })).replace('""', `"${"p".repeat(n)}"`);
    const base = padded(0).length;
    expect((await reasonOf(forge(padded(4096 - base), claims(), es()))).reason).toBe("accepted");
    await expectReason(forge(padded(4097 - base + 3), claims(), es()), "header", /above the 4096-byte limit/);
  });
  test("a 1 MB hostile header costs about what a normal token costs", async () => {
    const depth = 380_000;
    const header = `{"alg":"ES256","kid":"es-1","typ":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const token = forge(header, claims(), es());
    const started = process.cpuUsage();
    for (let i = 0; i < 5; i++) await expectReason(token, "header");
    const used = process.cpuUsage(started);
    // Linear scans of 1 MB only (was ~100 ms per verify with JSON.parse and a recursive stringify).
    expect((used.user + used.system) / 1000 / 5).toBeLessThan(30);
  });
  test("algorithms outside the contract (RS256, ES384)", async () => {
    await expectReason(forge(hdr({ alg: "RS256" }), claims(), es()), "header");
    await expectReason(forge(hdr({ alg: "ES384" }), claims(), es()), "header");
  });
});

describe("unknown_key", () => {
  test("unknown kid", async () => {
    await expectReason(forge(hdr({ kid: "nope" }), claims(), es()), "unknown_key", /no key with kid "nope"/);
  });
  test("kid bound to another issuer", async () => {
    // billing-1 is trusted, but only for billing-rails: a crm-rails token may not use it.
    const token = forge(hdr({ kid: "billing-1" }), claims(), {
      alg: "ES256",
      privateJwk: keys.other.privateJwk,
    });
    await expectReason(token, "unknown_key", /issuer "crm-rails" has no key with kid "billing-1"/);
    const own = forge(hdr({ kid: "billing-1" }), claims({ iss: OTHER_ISSUER }), {
      alg: "ES256",
      privateJwk: keys.other.privateJwk,
    });
    expect((await reasonOf(own)).reason).toBe("accepted");
  });
  test("token alg differs from the key's alg", async () => {
    await expectReason(
      forge(hdr({ alg: "EdDSA", kid: "es-1" }), claims(), ed()),
      "unknown_key",
      /is for ES256, the token says EdDSA/,
    );
  });
  test("HS256 signed with the issuer's public key bytes is never accepted", async () => {
    const pub = createPublicKey({
      key: keys.es.publicJwk as import("node:crypto").JsonWebKey,
      format: "jwk",
    });
    const pubBytes = [
      pub.export({ format: "der", type: "spki" }),
      Buffer.from(pub.export({ format: "pem", type: "spki" }) as string),
      Buffer.from(JSON.stringify(keys.es.publicJwk)),
    ];
    const permissive = makeVerifier(keys, { allowHS256: true });
    for (const secret of pubBytes) {
      const token = forge(hdr({ alg: "HS256", kid: "es-1" }), claims(), { alg: "HS256", secret });
      await expectReason(token, "header");
      await expectReason(token, "unknown_key", /is for ES256, the token says HS256/, permissive);
    }
  });
});

describe("bad_signature", () => {
  test("ES256 signature of all zero bytes", async () => {
    await expectReason(forge(hdr(), claims(), { alg: "zero-ES256" }), "bad_signature");
  });
  test("signed by a different key under a trusted kid", async () => {
    await expectReason(
      forge(hdr(), claims(), { alg: "ES256", privateJwk: keys.other.privateJwk }),
      "bad_signature",
    );
  });
  test("payload changed after signing", async () => {
    const [h, , s] = forge(hdr(), claims(), ed()).split(".");
    const tampered = `${h!.replace(/.*/, b64url(JSON.stringify(hdr({ alg: "EdDSA", kid: "ed-1" }))))}.${b64url(JSON.stringify(claims({ sub: "acc_2" })))}.${s}`;
    await expectReason(tampered, "bad_signature");
  });
  test("empty and truncated signatures", async () => {
    const t = forge(hdr(), claims(), es());
    await expectReason(t.slice(0, t.lastIndexOf(".") + 1), "bad_signature");
    const [h, p, sig] = t.split(".");
    await expectReason(
      `${h}.${p}.${b64url(Buffer.from(sig!, "base64url").subarray(0, 32))}`,
      "bad_signature",
    );
    const flipped = Buffer.from(sig!, "base64url");
    flipped[10] = flipped[10]! ^ 0x01;
    await expectReason(`${h}.${p}.${b64url(flipped)}`, "bad_signature");
  });
});

describe("tokens one at a time (signature checked inline) and in flight together (on the thread pool)", () => {
  test("give the same results", async () => {
    const tokens = [
      forge(hdr(), claims(), es()),
      forge(hdr(), claims(), { alg: "ES256", privateJwk: keys.other.privateJwk }),
      forge(hdr({ alg: "EdDSA", kid: "ed-1" }), claims(), ed()),
      forge(hdr(), claims(), { alg: "zero-ES256" }),
    ];
    const alone: string[] = [];
    for (const token of tokens) alone.push((await reasonOf(token)).reason);
    const together = await Promise.all(tokens.map(async (token) => (await reasonOf(token)).reason));
    expect(alone).toEqual(["accepted", "bad_signature", "accepted", "bad_signature"]);
    expect(together).toEqual(alone);
    const inline = makeVerifier(keys, { inlineSignatures: true });
    const inlineTogether = await Promise.all(tokens.map(async (t) => (await reasonOf(t, inline)).reason));
    expect(inlineTogether).toEqual(alone);
  });

  /** How many of `count` overlapping verifications have finished when the event loop first turns. */
  async function finishedBeforeTheLoopTurns(v: Verifier, count: number): Promise<number> {
    const tokens = Array.from({ length: count }, () => forge(hdr(), claims(), es()));
    let finished = 0;
    const all = tokens.map((t) => v.verify(t, { now: NOW }).then(() => finished++));
    const atTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(finished)));
    await Promise.all(all);
    return atTurn;
  }

  test("with inlineSignatures, overlapping verifications never wait for the thread pool", async () => {
    // Inline, each verification is done within its own call and microtasks: all of them before the loop turns.
    expect(await finishedBeforeTheLoopTurns(makeVerifier(keys, { inlineSignatures: true }), 16)).toBe(16);
    // On the pool, results come back through the event loop: the same measure sees some unfinished (200
    // signatures are milliseconds of pool work, far more than a turn of the loop takes).
    expect(await finishedBeforeTheLoopTurns(makeVerifier(keys), 200)).toBeLessThan(200);
  });
});

describe("claims", () => {
  test.each([
    ["wrong iss", { iss: "mallory" }, /iss "mallory" is not a trusted issuer/],
    ["missing iss", { iss: undefined }, /iss is missing/],
    ["wrong aud", { aud: "other-pipeline" }, /aud "other-pipeline"/],
    ["missing aud", { aud: undefined }, /aud is missing/],
    ["iat in the future", { iat: NOW + 61, exp: NOW + 1000 }, /iat .* in the future/],
    ["nbf in the future", { nbf: NOW + 3600 }, /nbf .* in the future/],
    ["lifetime above the maximum", { iat: NOW - 10, exp: NOW - 10 + 9 * 86400 }, /lifetime/],
    ["exp before iat", { exp: NOW - 20 }, /not after iat/],
    ["missing jti", { jti: undefined }, /jti is missing/],
    ["empty jti", { jti: "" }, /jti/],
    ["overlong jti", { jti: "j".repeat(257) }, /jti/],
    ["missing exp", { exp: undefined }, /exp is missing/],
    ["string exp", { exp: "soon" }, /exp is not a NumericDate/],
    ["missing iat", { iat: undefined }, /iat is missing/],
    ["missing type", { type: undefined }, /type is missing/],
    ["uppercase type", { type: "Test.Ping" }, /lowercase dotted/],
    ["missing v", { v: undefined }, /v is missing/],
    ["v zero", { v: 0 }, /positive integer/],
    ["v fractional", { v: 1.5 }, /positive integer/],
    ["v string", { v: "1" }, /positive integer/],
    ["missing data", { data: undefined }, /data is missing/],
    ["data an array", { data: [1] }, /data is not a JSON object/],
    ["data null", { data: null }, /data is not a JSON object/],
    ["sub a number", { sub: 5 }, /sub/],
  ])("%s", async (_name, extra, detail) => {
    await expectReason(forge(hdr(), claims(extra), es()), "claims", detail);
  });
  test("hostile values are quoted shortly in the detail", async () => {
    const r = await expectReason(forge(hdr(), claims({ iss: "x".repeat(100_000) }), es()), "claims");
    expect(r.detail.length).toBeLessThan(200);
  });
  test("iat within the clock tolerance is accepted", async () => {
    expect((await reasonOf(forge(hdr(), claims({ iat: NOW + 59, exp: NOW + 1000 }), es()))).reason).toBe(
      "accepted",
    );
  });
  test("a __proto__ claim", async () => {
    const payload = JSON.stringify(claims()).replace(/^\{/, '{"__proto__":{"polluted":true},');
    await expectReason(forge(hdr(), payload, es()), "claims", /__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("expired", () => {
  test("exp past the tolerance", async () => {
    await expectReason(forge(hdr(), claims({ iat: NOW - 1000, exp: NOW - 61 }), es()), "expired");
  });
  test("exp within the tolerance is still accepted", async () => {
    expect((await reasonOf(forge(hdr(), claims({ iat: NOW - 1000, exp: NOW - 59 }), es()))).reason).toBe(
      "accepted",
    );
  });
});

describe("payload", () => {
  test("unknown type and unknown version", async () => {
    await expectReason(forge(hdr(), claims({ type: "test.unknown" }), es()), "unknown_type");
    await expectReason(forge(hdr(), claims({ v: 3 }), es()), "unknown_type");
  });
  test("payload failing its schema lists the failing paths", async () => {
    const r = await expectReason(
      forge(hdr(), claims({ data: { id: "", note: 5, tags: [] } }), es()),
      "invalid_payload",
      /id, note/,
    );
    expect((r as { issues?: { path: string }[] }).issues?.map((i) => i.path)).toEqual(["id", "note"]);
  });
  test("__proto__ and constructor keys in data cannot pollute prototypes", async () => {
    const data =
      '{"id":"x","note":"n","tags":[],"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}';
    const payload = JSON.stringify(claims({ data: "DATA" })).replace('"DATA"', data);
    const r = await expectReason(forge(hdr(), payload, es()), "invalid_payload", /__proto__/);
    expect((r as { issues?: { path: string }[] }).issues).toEqual([
      { path: "__proto__", message: expect.any(String) },
    ]);
    const nested = JSON.stringify(claims({ data: "DATA" })).replace(
      '"DATA"',
      '{"id":"x","note":"n","tags":[{"__proto__":{"polluted":1}}]}',
    );
    await expectReason(forge(hdr(), nested, es()), "invalid_payload", /tags\[0\]\.__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
  test("the rejection carries what could be read without trust", async () => {
    const r = await expectReason(forge(hdr({ kid: "nope" }), claims(), es()), "unknown_key");
    expect((r as { unverified?: unknown }).unverified).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      jti: "01890a5d-ac96-774b-bcce-b302099a8057",
      type: "test.ping",
      v: 2,
      sub: "acc_1",
      kid: "nope",
      alg: "ES256",
    });
  });
});

describe("key sets", () => {
  test("a key set that cannot be fetched throws TransientError instead of rejecting", async () => {
    const down: KeySet = {
      resolve: async () => {
        throw new TransientError("key_set_unavailable", "down");
      },
    };
    const v = createVerifier({
      audience: AUDIENCE,
      issuers: [{ issuer: ISSUER, keySet: down }],
      validator: registry,
    });
    await expect(v.verify(forge(hdr(), claims(), es()), { now: NOW })).rejects.toMatchObject({
      code: "key_set_unavailable",
      retryable: true,
    });
  });
  test("keys are imported once and reused", async () => {
    // Identity of the key object across two resolutions proves the import is cached.
    const { createStaticKeySet } = await import("./keysets/static-key-set.js");
    const { parseJwks } = await import("./keysets/jwks.js");
    const set = createStaticKeySet(parseJwks(JSON.stringify({ keys: [keys.es.publicJwk] }), "t"));
    const a = await set.resolve("es-1");
    const b = await set.resolve("es-1");
    expect(a).toBeDefined();
    expect(a!.key).toBe(b!.key);
  });
});

describe("with the real schema registry", () => {
  test("a signed contact.upserted v1 is upcast to v2; a bad email is invalid_payload with its path", async () => {
    const v = makeVerifier(keys, { validator: registry });
    const signer = await createSigner({ privateJwk: keys.ed.privateJwk, issuer: ISSUER, audience: AUDIENCE });
    const example = registry.get("contact.upserted", 1)!.example;
    const ok = await v.verify(
      await signer.sign({ type: "contact.upserted", v: 1, data: example, sub: "acc_3Fh7Rw9nB2cD", now: NOW }),
      { now: NOW },
    );
    expect(ok.ok && ok.message.v).toBe(2);
    expect(ok.ok && ok.message.sentVersion).toBe(1);
    const bad = await v.verify(
      await signer.sign({ type: "contact.upserted", v: 1, data: { ...example, email: "nope" }, now: NOW }),
      { now: NOW },
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.rejection.reason).toBe("invalid_payload");
    expect(!bad.ok && bad.rejection.issues?.map((i) => i.path)).toContain("email");
  });
});

describe("identity of a rejection (the ledger keys a rejection by it only when it is authentic)", () => {
  const JTI = "01890a5d-ac96-774b-bcce-b302099a8057";
  const identityOf = async (token: string, reason: string) => {
    const r = await expectReason(token, reason);
    return (r as { identity?: unknown }).identity;
  };
  test.each([
    ["malformed", () => "a.b"],
    ["header", () => forge(hdr({ typ: "JWT" }), claims(), es())],
    ["unknown_key", () => forge(hdr({ kid: "nope" }), claims(), es())],
    ["bad_signature", () => forge(hdr(), claims(), { alg: "ES256", privateJwk: keys.other.privateJwk })],
    ["claims", () => forge(hdr(), claims({ iss: "mallory" }), es())],
  ])(
    "%s (untrusted iss, or no verified signature): no identity, unverified claims kept",
    async (reason, make) => {
      const r = await expectReason(make(), reason);
      expect(r).not.toHaveProperty("identity");
      if (reason !== "malformed") expect((r as { unverified?: { jti?: string } }).unverified?.jti).toBe(JTI);
    },
  );
  test.each([
    ["missing jti", { jti: undefined }],
    ["empty jti", { jti: "" }],
    ["overlong jti", { jti: "j".repeat(257) }],
    ["numeric jti", { jti: 7 }],
  ])("claims with a signed but unusable jti (%s): no identity", async (_name, extra) => {
    expect(await identityOf(forge(hdr(), claims(extra), es()), "claims")).toBeUndefined();
  });
  test.each([
    ["claims", { aud: "other-pipeline" }],
    ["claims", { type: "Test.Ping" }],
    ["expired", { iat: NOW - 1000, exp: NOW - 61 }],
    ["unknown_type", { type: "test.unknown" }],
    ["invalid_payload", { data: { id: "", note: 5, tags: [] } }],
  ])("%s after the signature verified, with a valid jti: identity (iss, jti)", async (reason, extra) => {
    expect(await identityOf(forge(hdr(), claims(extra), es()), reason)).toEqual({ iss: ISSUER, jti: JTI });
  });
  test("a jti of the maximum length still names the message", async () => {
    const jti = "j".repeat(256);
    const token = forge(hdr(), claims({ jti, type: "test.unknown" }), es());
    expect(await identityOf(token, "unknown_type")).toEqual({ iss: ISSUER, jti });
  });
});
