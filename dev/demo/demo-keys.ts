import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

export async function createDemoKeys(
  dir: string,
  audience: string,
  options: { reuse?: boolean } = {},
): Promise<DemoKeys> {
  mkdirSync(dir, { recursive: true });
  const stamp = Date.now().toString(36);
  // `kjp dev` keeps its keys across restarts: records signed before a restart must still verify after it.
  const kept = options.reuse ? readKeptKeys(dir) : undefined;
  const crm = kept?.crm ?? (await generateSigningKey("ES256", `demo-crm-${stamp}`));
  const billing = kept?.billing ?? (await generateSigningKey("EdDSA", `demo-billing-${stamp}`));
  const untrusted = kept?.untrusted ?? (await generateSigningKey("ES256", `demo-untrusted-${stamp}`));

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

type KeyPair = { privateJwk: JWK; publicJwk: JWK };

/** The keys an earlier run left in `dir` (private JWKs and the public JWKS files), if all are there. */
function readKeptKeys(dir: string): { crm: KeyPair; billing: KeyPair; untrusted: KeyPair } | undefined {
  const files = [
    "private.crm.json",
    "private.billing.json",
    "private.untrusted.json",
    "jwks.crm.json",
    "jwks.billing.json",
  ];
  if (!files.every((f) => existsSync(join(dir, f)))) return undefined;
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8")) as JWK & { keys?: JWK[] };
  const publicOf = (jwks: string) => read(jwks).keys?.[0];
  const crmPublic = publicOf("jwks.crm.json");
  const billingPublic = publicOf("jwks.billing.json");
  if (!crmPublic || !billingPublic) return undefined;
  const untrustedPrivate = read("private.untrusted.json");
  // The untrusted key is never published: its public half is the private JWK without its secret member.
  const { d: _secret, ...untrustedPublic } = untrustedPrivate;
  return {
    crm: { privateJwk: read("private.crm.json"), publicJwk: crmPublic },
    billing: { privateJwk: read("private.billing.json"), publicJwk: billingPublic },
    untrusted: { privateJwk: untrustedPrivate, publicJwk: untrustedPublic },
  };
}
