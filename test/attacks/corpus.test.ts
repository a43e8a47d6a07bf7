import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import { projectRoot } from "../../lib/util/project-root.js";
import type { JWK } from "jose";
import { buildAttackCorpus, type Attack } from "./corpus.js";
import { corpusVerifier, VECTOR_SETTINGS } from "./corpus-verifier.js";

const file = JSON.parse(readFileSync(join(projectRoot(), "test/attacks/corpus.json"), "utf8")) as {
  now: number;
  attacks: Attack[];
};
const verifier = corpusVerifier();
const outcome = async (token: string, now: number) => {
  const r = await verifier.verify(token, { now });
  return r.ok ? "accepted" : r.rejection.reason;
};

describe("the attack corpus (test/attacks/corpus.json, shared with the gem)", () => {
  test.each(file.attacks.map((a) => [`${a.category}: ${a.name}`, a] as const))("%s", async (_, attack) => {
    expect(await outcome(attack.token, file.now)).toBe(attack.expect);
  });

  test("covers every kind of attack the contract must withstand", () => {
    expect(new Set(file.attacks.map((a) => a.category))).toEqual(
      new Set([
        "algorithm confusion",
        "key-id injection",
        "duplicated JSON member names",
        "out-of-range numbers",
        "unicode look-alikes",
        "huge and deep headers",
        "trailing garbage",
        "ECDSA malleability",
        "tokens moved elsewhere",
      ]),
    );
  });
});

test("a corpus built now, with a fresh untrusted key, gets the same outcomes at today's time", async () => {
  const keys = JSON.parse(
    readFileSync(join(projectRoot(), "test/vectors/private-keys.TEST-ONLY.json"), "utf8"),
  ) as { keys: Record<"es256" | "eddsa" | "other", JWK> };
  const now = Math.floor(Date.now() / 1000);
  const attacks = buildAttackCorpus({
    keys: { ...keys.keys, untrusted: (await generateSigningKey("ES256", "mallory-1")).privateJwk },
    issuer: VECTOR_SETTINGS.issuer,
    otherIssuer: VECTOR_SETTINGS.otherIssuer,
    audience: VECTOR_SETTINGS.audience,
    now,
  });
  const got = await Promise.all(attacks.map(async (a) => `${a.name}: ${await outcome(a.token, now)}`));
  expect(got).toEqual(attacks.map((a) => `${a.name}: ${a.expect}`));
});
