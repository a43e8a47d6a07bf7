import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";

/** The local HTTP API's own producer identity: it signs the notes browsers post, as serverless.yml's httpIssuer does. */
export const LOCAL_HTTP_ISSUER = "demo-http-api";

export interface HttpApiKeys {
  issuer: string;
  /** `file:` source of the private JWK, for KJP_HTTP_SIGNING_KEY. */
  signingKeySource: string;
  /** The consumer's KJP_ISSUERS entry that trusts it. */
  trustEntry: { issuer: string; keys: string };
}

export async function createHttpApiKeys(dir: string): Promise<HttpApiKeys> {
  const key = await generateSigningKey("ES256", `demo-http-api-${Date.now().toString(36)}`);
  const jwks = join(dir, "jwks.http-api.json");
  const privateFile = join(dir, "private.http-api.json");
  writeFileSync(jwks, `${JSON.stringify({ keys: [key.publicJwk] }, null, 2)}\n`);
  writeFileSync(privateFile, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600 });
  chmodSync(privateFile, 0o600);
  return {
    issuer: LOCAL_HTTP_ISSUER,
    signingKeySource: `file:${privateFile}`,
    trustEntry: { issuer: LOCAL_HTTP_ISSUER, keys: `file:${jwks}` },
  };
}

/** KJP_ISSUERS plus one more trusted issuer. */
export function withTrustedIssuer(issuersEnv: string, entry: { issuer: string; keys: string }): string {
  return JSON.stringify([...(JSON.parse(issuersEnv) as unknown[]), entry]);
}
