import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import { createSigner, type Signer } from "../../lib/envelope/sign.js";
import type { SigningIdentity } from "./workload.js";

/**
 * Keys for one demo run: two trusted producers (the Rails CRM on ES256, a billing service on EdDSA) and one
 * key nobody trusts. Fresh on every run, so nothing the demo writes can be mistaken for a real key.
 */
export const DEMO_ISSUERS = { crm: "demo-crm-rails", billing: "demo-billing" } as const;

export interface DemoKeys {
  dir: string;
  /** KJP_ISSUERS for the consumer: each trusted issuer with its public JWKS file. */
  issuersEnv: string;
  /** One signer per identity the workload uses. */
  signers: Record<SigningIdentity, Signer>;
}

function writePrivate(path: string, jwk: JWK): void {
  writeFileSync(path, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode only applies to a new file: tighten a file left by an earlier run too.
  chmodSync(path, 0o600);
}

export async function createDemoKeys(dir: string, audience: string): Promise<DemoKeys> {
  mkdirSync(dir, { recursive: true });
  const stamp = Date.now().toString(36);
  const crm = await generateSigningKey("ES256", `demo-crm-${stamp}`);
  const billing = await generateSigningKey("EdDSA", `demo-billing-${stamp}`);
  const untrusted = await generateSigningKey("ES256", `demo-untrusted-${stamp}`);

  const crmJwks = join(dir, "jwks.crm.json");
  const billingJwks = join(dir, "jwks.billing.json");
  writeFileSync(crmJwks, `${JSON.stringify({ keys: [crm.publicJwk] }, null, 2)}\n`);
  writeFileSync(billingJwks, `${JSON.stringify({ keys: [billing.publicJwk] }, null, 2)}\n`);
  writePrivate(join(dir, "private.crm.json"), crm.privateJwk);
  writePrivate(join(dir, "private.billing.json"), billing.privateJwk);
  writePrivate(join(dir, "private.untrusted.json"), untrusted.privateJwk);

  const issuersEnv = JSON.stringify([
    { issuer: DEMO_ISSUERS.crm, keys: `file:${crmJwks}` },
    { issuer: DEMO_ISSUERS.billing, keys: `file:${billingJwks}` },
  ]);
  const signers: Record<SigningIdentity, Signer> = {
    crm: await createSigner({ privateJwk: crm.privateJwk, issuer: DEMO_ISSUERS.crm, audience }),
    billing: await createSigner({ privateJwk: billing.privateJwk, issuer: DEMO_ISSUERS.billing, audience }),
    untrusted: await createSigner({ privateJwk: untrusted.privateJwk, issuer: DEMO_ISSUERS.crm, audience }),
    // The untrusted key presenting the CRM's kid: the verifier finds the key, and the signature fails.
    forged: await createSigner({
      privateJwk: { ...untrusted.privateJwk, kid: crm.privateJwk.kid },
      issuer: DEMO_ISSUERS.crm,
      audience,
    }),
  };
  return { dir, issuersEnv, signers };
}
