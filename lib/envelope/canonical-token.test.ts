import { createHash } from "node:crypto";
import { canonicalToken, canonicalTokenHash } from "./canonical-token.js";
import { ecdsaTwin, forge } from "./testing/forge.js";
import { NOW, claims, makeKeys, makeVerifier, type TestKeys } from "./testing/fixtures.js";

let keys: TestKeys;
beforeAll(async () => {
  keys = await makeKeys();
});

const es256 = (jti: string) =>
  forge({ alg: "ES256", kid: "es-1", typ: "kjp+jwt" }, claims({ jti }), {
    alg: "ES256",
    privateJwk: keys.es.privateJwk,
  });
const rawHash = (token: string) =>
  createHash("sha256").update(token, "latin1").digest("base64url").slice(0, 32);

describe("canonicalToken", () => {
  it("gives both ECDSA spellings of a token one form and one hash, and both still verify alike", async () => {
    const verifier = makeVerifier(keys);
    for (let i = 0; i < 8; i++) {
      const token = es256(`jti-${i}`);
      const twin = ecdsaTwin(token);
      expect(twin).not.toBe(token);
      expect(canonicalToken(twin)).toBe(canonicalToken(token));
      expect(canonicalTokenHash(Buffer.from(twin))).toBe(canonicalTokenHash(token));
      const [a, b] = await Promise.all([token, twin].map((t) => verifier.verify(t, { now: NOW })));
      expect(b).toEqual(a);
      expect(a!.ok).toBe(true);
    }
  });

  it("leaves a low-S token as it is, so its hash is the hash of its raw bytes (markers already written still match)", () => {
    for (let i = 0; i < 8; i++) {
      const token = es256(`low-${i}`);
      const low = canonicalToken(token) === token ? token : ecdsaTwin(token);
      expect(canonicalToken(low)).toBe(low);
      expect(canonicalTokenHash(low)).toBe(rawHash(low));
    }
  });

  it("never touches EdDSA signatures (not malleable), junk, or a non-ES256 header", () => {
    const ed = forge({ alg: "EdDSA", kid: "ed-1", typ: "kjp+jwt" }, claims(), {
      alg: "EdDSA",
      privateJwk: keys.ed.privateJwk,
    });
    // Flipping an Ed25519 signature as if it were P-256 must not alias a forged token to the genuine one.
    expect(canonicalToken(ecdsaTwin(ed))).toBe(ecdsaTwin(ed));
    expect(canonicalToken(ed)).toBe(ed);
    for (const junk of ["", "a.b", "a.b.c", "...", "a.b.c.d", `x.y.${"A".repeat(86)}`]) {
      expect(canonicalToken(junk)).toBe(junk);
    }
    const deepHeader = Buffer.from(`{"alg":"ES256","x":${"[".repeat(9_000)}${"]".repeat(9_000)}}`).toString(
      "base64url",
    );
    const token = es256("deep");
    const hostile = `${deepHeader}${token.slice(token.indexOf("."))}`;
    expect(canonicalToken(ecdsaTwin(hostile))).toBe(ecdsaTwin(hostile));
  });
});
