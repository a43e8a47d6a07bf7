import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";

/** Issuers of the chaos run: the two producers, and the attack corpus's two trusted issuers. */
export const CHAOS_ISSUERS = {
  ts: "chaos-ts-publisher",
  gem: "chaos-rails-gem",
  attacks: "chaos-attacks",
  attacksOther: "chaos-attacks-other",
} as const;

export interface ChaosKeys {
  ts: JWK;
  gem: JWK;
  /** Path of the gem's private JWK (the Ruby producer reads it). */
  gemKeyPath: string;
  attacks: { es256: JWK; eddsa: JWK; other: JWK; untrusted: JWK };
  /** KJP_ISSUERS for the consumer. */
  issuersEnv: string;
}

/** Fresh keys for one run, in `dir` (mode 0600 for private keys); nothing here is ever a real key. */
export async function createChaosKeys(dir: string): Promise<ChaosKeys> {
  mkdirSync(dir, { recursive: true });
  const stamp = Date.now().toString(36);
  const ts = await generateSigningKey("ES256", `chaos-ts-${stamp}`);
  const gem = await generateSigningKey("EdDSA", `chaos-gem-${stamp}`);
  const es256 = await generateSigningKey("ES256", `chaos-attacks-es-${stamp}`);
  const eddsa = await generateSigningKey("EdDSA", `chaos-attacks-ed-${stamp}`);
  const other = await generateSigningKey("ES256", `chaos-attacks-other-${stamp}`);
  const untrusted = await generateSigningKey("ES256", `chaos-untrusted-${stamp}`);
  const jwks = (name: string, keys: JWK[]) => {
    const path = join(dir, `jwks.${name}.json`);
    writeFileSync(path, JSON.stringify({ keys }));
    return `file:${path}`;
  };
  const gemKeyPath = join(dir, "private.gem.json");
  writeFileSync(gemKeyPath, JSON.stringify(gem.privateJwk), { mode: 0o600 });
  chmodSync(gemKeyPath, 0o600);
  const issuersEnv = JSON.stringify([
    { issuer: CHAOS_ISSUERS.ts, keys: jwks("ts", [ts.publicJwk]) },
    { issuer: CHAOS_ISSUERS.gem, keys: jwks("gem", [gem.publicJwk]) },
    { issuer: CHAOS_ISSUERS.attacks, keys: jwks("attacks", [es256.publicJwk, eddsa.publicJwk]) },
    { issuer: CHAOS_ISSUERS.attacksOther, keys: jwks("attacks-other", [other.publicJwk]) },
  ]);
  return {
    ts: ts.privateJwk,
    gem: gem.privateJwk,
    gemKeyPath,
    attacks: {
      es256: es256.privateJwk,
      eddsa: eddsa.privateJwk,
      other: other.privateJwk,
      untrusted: untrusted.privateJwk,
    },
    issuersEnv,
  };
}
