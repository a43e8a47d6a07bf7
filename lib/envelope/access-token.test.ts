import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createAccessTokenVerifier, type AccessTokenVerifier } from "./access-token.js";
import { createStaticKeySet } from "./keysets/static-key-set.js";
import { parseJwks } from "./keysets/jwks.js";
import { createAccessTokenSigner } from "./sign-access-token.js";
import { createSigner } from "./sign.js";
import { forge, type ForgeKey } from "./testing/forge.js";
import {
  AUDIENCE,
  ISSUER,
  NOW,
  OTHER_ISSUER,
  makeKeys,
  makeVerifier,
  type TestKeys,
} from "./testing/fixtures.js";

const API = "crm-http-api";
let keys: TestKeys;
let verifier: AccessTokenVerifier;
const es = (): ForgeKey => ({ alg: "ES256", privateJwk: keys.es.privateJwk });
const ed = (): ForgeKey => ({ alg: "EdDSA", privateJwk: keys.ed.privateJwk });
const hdr = (extra: Record<string, unknown> = {}) => ({
  alg: "ES256",
  kid: "es-1",
  typ: "kjp-access+jwt",
  ...extra,
});
const access = (extra: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: API,
  iat: NOW - 10,
  exp: NOW + 290,
  jti: "01890a5d-ac96-774b-bcce-b302099a8057",
  sub: "usr_1",
  account: "acc_1",
  scope: "pipeline:read notes:write",
  ...extra,
});

beforeAll(async () => {
  keys = await makeKeys();
  const mine = parseJwks(
    JSON.stringify({ keys: [keys.es.publicJwk, keys.ed.publicJwk, keys.hs.publicJwk] }),
    "t",
  );
  const theirs = parseJwks(JSON.stringify({ keys: [keys.other.publicJwk] }), "t");
  verifier = createAccessTokenVerifier({
    audience: API,
    issuers: [
      { issuer: ISSUER, keySet: createStaticKeySet(mine) },
      { issuer: OTHER_ISSUER, keySet: createStaticKeySet(theirs) },
    ],
  });
});

async function reasonOf(token: string, now = NOW) {
  const r = await verifier.verify(token, { now });
  return r.ok ? "accepted" : r.rejection.reason;
}

describe("accepted access tokens", () => {
  test("ES256 and EdDSA, from the signer, verify to sub, account and scopes", async () => {
    for (const jwk of [keys.es.privateJwk, keys.ed.privateJwk]) {
      const signer = await createAccessTokenSigner({ privateJwk: jwk, issuer: ISSUER, audience: API });
      const token = await signer.sign({
        sub: "usr_1",
        account: "acc_1",
        scopes: ["pipeline:read"],
        now: NOW,
      });
      const r = await verifier.verify(token, { now: NOW + 299 });
      expect(r).toEqual({
        ok: true,
        token: expect.objectContaining({
          sub: "usr_1",
          account: "acc_1",
          scopes: ["pipeline:read"],
          exp: NOW + 300,
        }),
      });
    }
  });
  test("an empty scope is a token that may do nothing, not an error", async () => {
    const r = await verifier.verify(forge(hdr(), access({ scope: "" }), es()), { now: NOW });
    expect(r.ok && r.token.scopes).toEqual([]);
  });
});

describe("a queue message is never an access token, nor the reverse", () => {
  test("a signed queue message presented as an access token is `header` (typ kjp+jwt)", async () => {
    const signer = await createSigner({ privateJwk: keys.es.privateJwk, issuer: ISSUER, audience: API });
    const message = await signer.sign({
      type: "test.ping",
      v: 2,
      data: { id: "x", note: "", tags: [] },
      sub: "acc_1",
      now: NOW,
    });
    const r = await verifier.verify(message, { now: NOW });
    expect(r.ok ? "accepted" : r.rejection).toMatchObject({
      reason: "header",
      detail: expect.stringMatching(/typ "kjp\+jwt" is not "kjp-access\+jwt"/),
    });
  });
  test("message claims under an access typ are `claims` (defence in depth beyond typ)", async () => {
    for (const extra of [{ type: "test.ping" }, { v: 1 }, { data: {} }]) {
      expect(await reasonOf(forge(hdr(), access(extra), es()))).toBe("claims");
    }
  });
  test("an access token presented to the queue verifier is `header`", async () => {
    const signer = await createAccessTokenSigner({
      privateJwk: keys.es.privateJwk,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const token = await signer.sign({ sub: "usr_1", account: "acc_1", scopes: ["notes:write"], now: NOW });
    const r = await makeVerifier(keys).verify(token, { now: NOW });
    expect(r.ok ? "accepted" : r.rejection.reason).toBe("header");
    // Even with the message typ forged on, it lacks type/v/data: `claims`.
    const retyped = forge({ alg: "ES256", kid: "es-1", typ: "kjp+jwt" }, access({ aud: AUDIENCE }), es());
    const r2 = await makeVerifier(keys).verify(retyped, { now: NOW });
    expect(r2.ok ? "accepted" : r2.rejection.reason).toBe("claims");
  });
  test("a queue message's audience does not open the API", async () => {
    expect(await reasonOf(forge(hdr(), access({ aud: AUDIENCE }), es()))).toBe("claims");
  });
});

describe("every rejection reason", () => {
  test("malformed: not three parts, a token too large for a header", async () => {
    expect(await reasonOf("abc.def")).toBe("malformed");
    expect(await reasonOf(forge(hdr(), access({ pad: "x".repeat(5000) }), es()))).toBe("malformed");
  });
  test("expired, with the clock tolerance", async () => {
    const t = forge(hdr(), access(), es());
    expect(await reasonOf(t, NOW + 290 + 60)).toBe("accepted");
    expect(await reasonOf(t, NOW + 290 + 61)).toBe("expired");
  });
  test.each([
    ["wrong audience", { aud: "someone-else" }],
    ["missing audience", { aud: undefined }],
    ["lifetime of a day", { exp: NOW - 10 + 86400 }],
    ["iat in the future", { iat: NOW + 600, exp: NOW + 700 }],
    ["nbf in the future", { nbf: NOW + 600 }],
    ["missing sub", { sub: undefined }],
    ["missing account", { account: undefined }],
    ["account not a string", { account: 42 }],
    ["missing scope", { scope: undefined }],
    ["scope as an array", { scope: ["pipeline:read"] }],
    ["scope entry not resource:action", { scope: "admin" }],
    ["missing jti", { jti: undefined }],
    ["untrusted issuer", { iss: "mallory" }],
  ])("claims: %s", async (_name, extra) => {
    expect(await reasonOf(forge(hdr(), access(extra), es()))).toBe("claims");
  });
  test("the verifier refuses a configured lifetime above an hour", () => {
    expect(() =>
      createAccessTokenVerifier({
        audience: API,
        issuers: [
          {
            issuer: ISSUER,
            keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [keys.es.publicJwk] }), "t")),
          },
        ],
        maxLifetimeSec: 7200,
      }),
    ).toThrow(/1-3600/);
  });
});

describe("alg and kid attacks (the envelope's corpus, re-forged as access tokens)", () => {
  const pubBytes = () => {
    const pub = createPublicKey({
      key: keys.es.publicJwk as import("node:crypto").JsonWebKey,
      format: "jwk",
    });
    return pub.export({ format: "der", type: "spki" });
  };
  test.each([
    ["alg none", () => forge(hdr({ alg: "none" }), access(), { alg: "none" }), "header"],
    ["alg RS256", () => forge(hdr({ alg: "RS256" }), access(), es()), "header"],
    [
      "HS256 with the public key as secret",
      () => forge(hdr({ alg: "HS256" }), access(), { alg: "HS256", secret: pubBytes() }),
      "header",
    ],
    [
      "HS256 even with a trusted HS256 kid",
      () => forge(hdr({ alg: "HS256", kid: "hs-1" }), access(), { alg: "HS256", secret: new Uint8Array(32) }),
      "header",
    ],
    ["jku", () => forge(hdr({ jku: "https://evil.example/k" }), access(), es()), "header"],
    ["x5u", () => forge(hdr({ x5u: "https://evil.example/k" }), access(), es()), "header"],
    ["x5c", () => forge(hdr({ x5c: ["MIIB"] }), access(), es()), "header"],
    ["embedded jwk", () => forge(hdr({ jwk: keys.other.publicJwk }), access(), es()), "header"],
    ["crit", () => forge(hdr({ crit: ["exp"] }), access(), es()), "header"],
    ["kid missing", () => forge({ alg: "ES256", typ: "kjp-access+jwt" }, access(), es()), "header"],
    ["unknown kid", () => forge(hdr({ kid: "nope" }), access(), es()), "unknown_key"],
    [
      "kid of another issuer",
      () => forge(hdr({ kid: "billing-1" }), access(), { alg: "ES256", privateJwk: keys.other.privateJwk }),
      "unknown_key",
    ],
    ["EdDSA header on an ES256 key", () => forge(hdr({ alg: "EdDSA" }), access(), ed()), "unknown_key"],
    ["zero signature", () => forge(hdr(), access(), { alg: "zero-ES256" }), "bad_signature"],
    [
      "signed by an untrusted key under a trusted kid",
      () => forge(hdr(), access(), { alg: "ES256", privateJwk: keys.other.privateJwk }),
      "bad_signature",
    ],
  ] as const)("%s", async (_name, make, reason) => {
    expect(await reasonOf(make())).toBe(reason);
  });
  test("every vector of test/vectors/invalid.json is refused as an access token", async () => {
    const corpus = JSON.parse(readFileSync(join(process.cwd(), "test/vectors/invalid.json"), "utf8")) as {
      vectors: { name: string; token: string }[];
    };
    for (const v of corpus.vectors)
      expect([v.name, await reasonOf(v.token)]).not.toEqual([v.name, "accepted"]);
    // And a valid queue message from the corpus, too.
    const valid = JSON.parse(readFileSync(join(process.cwd(), "test/vectors/valid.json"), "utf8")) as {
      vectors: { token: string }[];
    };
    for (const v of valid.vectors) expect(await reasonOf(v.token)).toBe("header");
  });
});
