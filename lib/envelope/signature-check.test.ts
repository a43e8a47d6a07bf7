import { createHmac, createSecretKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { signatureMatches } from "./signature-check.js";
import type { Algorithm } from "./types.js";

const b64 = (value: string | Buffer) => Buffer.from(value).toString("base64url");
const input = `${b64('{"alg":"ES256","kid":"k","typ":"kjp+jwt"}')}.${b64('{"iss":"crm-rails"}')}`;
const es = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ed = generateKeyPairSync("ed25519");
const otherEs = generateKeyPairSync("ec", { namedCurve: "P-256" });
const secret = createSecretKey(Buffer.alloc(32, 7));

const esToken = (encoding: "ieee-p1363" | "der" = "ieee-p1363", key: KeyObject = es.privateKey) =>
  `${input}.${b64(sign("sha256", Buffer.from(input), { key, dsaEncoding: encoding }))}`;
const edToken = `${input}.${b64(sign(null, Buffer.from(input), ed.privateKey))}`;
const hsToken = `${input}.${b64(createHmac("sha256", secret).update(input).digest())}`;

describe.each([
  ["on the thread pool", false],
  ["inline", true],
])("signatureMatches %s", (_, inline) => {
  const signatureMatchesHere = (compact: string, alg: Algorithm, key: KeyObject) => {
    const dot = compact.lastIndexOf(".");
    const signature = Buffer.from(compact.slice(dot + 1), "base64url");
    return signatureMatches(compact.slice(0, dot), signature, alg, key, inline);
  };

  test("accepts a good signature of each algorithm", async () => {
    expect(await signatureMatchesHere(esToken(), "ES256", es.publicKey)).toBe(true);
    expect(await signatureMatchesHere(edToken, "EdDSA", ed.publicKey)).toBe(true);
    expect(await signatureMatchesHere(hsToken, "HS256", secret)).toBe(true);
  });
  test("refuses an ES256 signature in DER form: only r||s is a JWS signature", async () => {
    expect(await signatureMatchesHere(esToken("der"), "ES256", es.publicKey)).toBe(false);
  });
  test("refuses a signature made with another key", async () => {
    expect(await signatureMatchesHere(esToken("ieee-p1363", otherEs.privateKey), "ES256", es.publicKey)).toBe(
      false,
    );
  });
  test("refuses a changed signing input", async () => {
    for (const [token, alg, key] of [
      [esToken(), "ES256", es.publicKey],
      [edToken, "EdDSA", ed.publicKey],
      [hsToken, "HS256", secret],
    ] as const) {
      expect(await signatureMatchesHere(token.replace("ey", "eY"), alg, key)).toBe(false);
    }
  });
  test("refuses signatures of the wrong length, including empty and padded ones", async () => {
    const sig = esToken().split(".")[2]!;
    const raw = Buffer.from(sig, "base64url");
    for (const bytes of [Buffer.alloc(0), raw.subarray(0, 63), Buffer.concat([raw, Buffer.alloc(1)])]) {
      expect(await signatureMatchesHere(`${input}.${b64(bytes)}`, "ES256", es.publicKey)).toBe(false);
    }
    expect(await signatureMatchesHere(`${input}.${b64(Buffer.alloc(64))}`, "ES256", es.publicKey)).toBe(
      false,
    );
  });
  test("refuses a key of the wrong kind for the algorithm", async () => {
    expect(await signatureMatchesHere(edToken, "EdDSA", es.publicKey)).toBe(false);
    expect(await signatureMatchesHere(esToken(), "ES256", ed.publicKey)).toBe(false);
    expect(await signatureMatchesHere(hsToken, "HS256", es.publicKey)).toBe(false);
    expect(await signatureMatchesHere(esToken(), "ES256", secret)).toBe(false);
    expect(await signatureMatchesHere(esToken(), "ES256", es.privateKey)).toBe(false);
  });
});
