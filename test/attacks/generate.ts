/**
 * Writes test/attacks/corpus.json (run: `npm run attacks`): the attack corpus built with the shared vector
 * keys (test/vectors/) at the vectors' fixed time, so the TypeScript and Ruby verifiers check the same bytes.
 * The untrusted key is made afresh on each run (its public half is never trusted anywhere). ES256 signatures
 * are randomised, so regenerating changes the file; every entry is checked against the real verifier before
 * it is written.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { buildAttackCorpus } from "./corpus.js";
import { corpusVerifier, VECTOR_SETTINGS } from "./corpus-verifier.js";

const root = projectRoot();
const keyFile = JSON.parse(readFileSync(join(root, "test/vectors/private-keys.TEST-ONLY.json"), "utf8")) as {
  keys: Record<"es256" | "eddsa" | "other", JWK>;
};
const untrusted = (await generateSigningKey("ES256", "mallory-1")).privateJwk;
const attacks = buildAttackCorpus({
  keys: { ...keyFile.keys, untrusted },
  issuer: VECTOR_SETTINGS.issuer,
  otherIssuer: VECTOR_SETTINGS.otherIssuer,
  audience: VECTOR_SETTINGS.audience,
  now: VECTOR_SETTINGS.now,
});

const verifier = corpusVerifier();
for (const a of attacks) {
  const r = await verifier.verify(a.token, { now: VECTOR_SETTINGS.now });
  const got = r.ok ? "accepted" : r.rejection.reason;
  if (got !== a.expect)
    throw new Error(`attack "${a.category}: ${a.name}": expected ${a.expect}, got ${got}`);
}
writeFileSync(
  join(root, "test/attacks/corpus.json"),
  `${JSON.stringify({ contract: "kjp envelope v1 (docs/contract.md)", now: VECTOR_SETTINGS.now, verifier: "test/vectors/invalid.json's verifier settings", attacks }, null, 2)}\n`,
);
console.log(`wrote ${attacks.length} attacks to test/attacks/corpus.json`);
