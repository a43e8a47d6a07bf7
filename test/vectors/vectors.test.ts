import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import { registry } from "../../schemas/index.js";
import { loadKeySet } from "../../lib/envelope/keysets/load-key-set.js";
import { createSigner, type SignInput } from "../../lib/envelope/sign.js";
import { createVerifier } from "../../lib/envelope/verify.js";
import { projectRoot } from "../../lib/util/project-root.js";

const DIR = join(projectRoot(), "test", "vectors");
const load = <T>(name: string): T => JSON.parse(readFileSync(join(DIR, name), "utf8")) as T;

interface VerifierConfig {
  audience: string;
  issuers: { issuer: string; jwks: string }[];
  clockToleranceSec: number;
  maxLifetimeSec: number;
  allowHS256: boolean;
  maxTokenBytes: number;
}
interface ValidFile {
  now: number;
  verifier: VerifierConfig;
  vectors: Array<{
    name: string;
    token: string;
    deterministic: boolean;
    sign: SignInput & { iss: string; aud: string; ttlSeconds: number };
    header: Record<string, unknown>;
    claims: Record<string, unknown>;
    message: Record<string, unknown>;
  }>;
}
interface InvalidFile {
  now: number;
  verifier: VerifierConfig;
  vectors: Array<{ name: string; token: string; reason: string; stage: string }>;
}

const valid = load<ValidFile>("valid.json");
const invalid = load<InvalidFile>("invalid.json");

function verifierFrom(config: VerifierConfig) {
  return createVerifier({
    audience: config.audience,
    issuers: config.issuers.map((i) => ({
      issuer: i.issuer,
      keySet: loadKeySet(`file:${join(DIR, i.jwks)}`),
    })),
    validator: registry,
    clockToleranceSec: config.clockToleranceSec,
    maxLifetimeSec: config.maxLifetimeSec,
    allowHS256: config.allowHS256,
    maxTokenBytes: config.maxTokenBytes,
  });
}

describe("test/vectors", () => {
  const verifier = verifierFrom(valid.verifier);

  test("files are complete: both algorithms, every registered type, every issue-2 rejection reason", () => {
    expect(new Set(valid.vectors.map((v) => v.header.alg))).toEqual(new Set(["ES256", "EdDSA"]));
    for (const s of registry.list())
      expect(valid.vectors.some((v) => v.claims.type === s.type && v.claims.v === s.v)).toBe(true);
    expect(new Set(invalid.vectors.map((v) => v.reason))).toEqual(
      new Set([
        "malformed",
        "header",
        "unknown_key",
        "bad_signature",
        "claims",
        "expired",
        "unknown_type",
        "invalid_payload",
      ]),
    );
    const keys = load<{ warning: string; keys: Record<string, JWK> }>("private-keys.TEST-ONLY.json");
    expect(keys.warning).toMatch(/TEST-ONLY/);
    expect(load<{ keys: JWK[] }>("jwks.json").keys.every((k) => k.d === undefined)).toBe(true);
  });

  test.each(valid.vectors.map((v) => [v.name, v] as const))("valid: %s", async (_name, v) => {
    const result = await verifier.verify(v.token, { now: valid.now });
    if (!result.ok) throw new Error(JSON.stringify(result.rejection));
    expect(result.message).toEqual(v.message);
    expect(result.message.header).toEqual(v.header);
    const { data: _d, v: _v, ...claims } = v.claims;
    expect(result.message).toMatchObject({ ...claims, sentVersion: v.claims.v });
  });

  test("EdDSA vectors are reproduced byte for byte from their sign input", async () => {
    const keys = load<{ keys: Record<string, JWK> }>("private-keys.TEST-ONLY.json").keys;
    const deterministic = valid.vectors.filter((v) => v.deterministic);
    expect(deterministic.length).toBeGreaterThan(0);
    for (const v of deterministic) {
      const privateJwk = Object.values(keys).find((k) => k.kid === v.header.kid)!;
      const { iss, aud, ttlSeconds, ...input } = v.sign;
      const signer = await createSigner({ privateJwk, issuer: iss, audience: aud, ttlSeconds });
      expect(await signer.sign(input)).toBe(v.token);
    }
  });

  test.each(invalid.vectors.map((v) => [v.name, v] as const))("invalid: %s", async (_name, v) => {
    const result = await verifierFrom(invalid.verifier).verify(v.token, { now: invalid.now });
    expect(result.ok ? "accepted" : result.rejection.reason).toBe(v.reason);
  });
});
