import { generateKeyPairSync } from "node:crypto";
import { ConfigurationError, TransientError } from "../errors/kjp-error.js";
import type { KeySet, ResolvedKey } from "./keysets/key-set.js";
import { chooseKey, keySetsByIssuer } from "./token-key.js";

const esKey: ResolvedKey = {
  kid: "es-1",
  alg: "ES256",
  key: generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey,
};

/** A key set holding esKey; `inMemory` decides whether peek answers or only resolve does. */
function keySet(inMemory: boolean, failing = false): KeySet {
  return {
    resolve: async (kid) => {
      if (failing) throw new TransientError("key_set_unavailable", "JWKS endpoint timed out");
      return kid === esKey.kid ? esKey : undefined;
    },
    peek: (kid) => (inMemory && kid === esKey.kid ? esKey : undefined),
  };
}

describe("keySetsByIssuer", () => {
  test("maps each trusted issuer to its key set", () => {
    const a = keySet(true);
    const b = keySet(true);
    const map = keySetsByIssuer(
      [
        { issuer: "crm-rails", keySet: a },
        { issuer: "billing", keySet: b },
      ],
      "the verifier",
    );
    expect(map.get("crm-rails")).toBe(a);
    expect(map.get("billing")).toBe(b);
  });
  test("refuses no issuers, an issuer configured twice and a bad issuer name", () => {
    expect(() => keySetsByIssuer([], "the verifier")).toThrow(/needs at least one trusted issuer/);
    const twice = [
      { issuer: "crm-rails", keySet: keySet(true) },
      { issuer: "crm-rails", keySet: keySet(true) },
    ];
    expect(() => keySetsByIssuer(twice, "the verifier")).toThrow(ConfigurationError);
    expect(() => keySetsByIssuer(twice, "the verifier")).toThrow(/configured twice/);
    expect(() => keySetsByIssuer([{ issuer: "", keySet: keySet(true) }], "the verifier")).toThrow(
      ConfigurationError,
    );
  });
});

describe("chooseKey", () => {
  const trusted = keySetsByIssuer([{ issuer: "crm-rails", keySet: keySet(true) }], "the verifier");
  const fetched = keySetsByIssuer([{ issuer: "crm-rails", keySet: keySet(false) }], "the verifier");

  test("answers a key in memory without a promise", () => {
    expect(chooseKey(trusted, "crm-rails", "es-1", "ES256")).toEqual({
      ok: true,
      iss: "crm-rails",
      key: esKey,
    });
  });
  test("asks resolve, with a promise, for a key not in memory", async () => {
    const choice = chooseKey(fetched, "crm-rails", "es-1", "ES256");
    expect(choice).toBeInstanceOf(Promise);
    await expect(choice).resolves.toEqual({ ok: true, iss: "crm-rails", key: esKey });
  });
  test.each([
    [undefined, "claims", /iss is missing/],
    ["mallory", "claims", /iss "mallory" is not a trusted issuer/],
    [42, "claims", /iss 42 is not a trusted issuer/],
    ["__proto__", "claims", /not a trusted issuer/],
  ])("iss %p: %s", (iss, reason, detail) => {
    const choice = chooseKey(trusted, iss, "es-1", "ES256");
    expect(choice).toMatchObject({ ok: false, reason, detail: expect.stringMatching(detail) });
  });
  test("an unknown kid is unknown_key, from memory or after a fetch", async () => {
    expect(await chooseKey(fetched, "crm-rails", "es-9", "ES256")).toMatchObject({
      ok: false,
      reason: "unknown_key",
      detail: 'issuer "crm-rails" has no key with kid "es-9"',
    });
  });
  test("a key bound to another algorithm than the header's is unknown_key: the token never picks the algorithm", async () => {
    for (const keySets of [trusted, fetched]) {
      expect(await chooseKey(keySets, "crm-rails", "es-1", "EdDSA")).toMatchObject({
        ok: false,
        reason: "unknown_key",
        detail: 'key "es-1" of issuer "crm-rails" is for ES256, the token says EdDSA',
      });
    }
  });
  test("a key set that cannot be fetched right now throws (the record is retried, not rejected)", async () => {
    const down = keySetsByIssuer([{ issuer: "crm-rails", keySet: keySet(false, true) }], "the verifier");
    await expect(chooseKey(down, "crm-rails", "es-1", "ES256")).rejects.toBeInstanceOf(TransientError);
  });
});
