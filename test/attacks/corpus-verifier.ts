import { join } from "node:path";
import { loadKeySet } from "../../lib/envelope/keysets/load-key-set.js";
import { createVerifier, type Verifier } from "../../lib/envelope/verify.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { registry } from "../../schemas/index.js";

/** The shared vectors' verifier settings (test/vectors/*.json carry the same), used for the attack corpus. */
export const VECTOR_SETTINGS = {
  issuer: "crm-rails",
  otherIssuer: "billing-rails",
  audience: "crm-pipeline",
  now: 1_800_000_000,
} as const;

export function corpusVerifier(): Verifier {
  const dir = join(projectRoot(), "test/vectors");
  return createVerifier({
    audience: VECTOR_SETTINGS.audience,
    issuers: [
      { issuer: VECTOR_SETTINGS.issuer, keySet: loadKeySet(`file:${join(dir, "jwks.json")}`) },
      {
        issuer: VECTOR_SETTINGS.otherIssuer,
        keySet: loadKeySet(`file:${join(dir, "jwks.billing-rails.json")}`),
      },
    ],
    validator: registry,
  });
}
