import { join } from "node:path";
import type { JWK } from "jose";
import { projectRoot } from "../../../lib/util/project-root.js";
import { VECTOR_SETTINGS } from "../../attacks/corpus-verifier.js";

/** One KJP_ISSUERS entry: the issuer and its key set (a JWKS document inline, or `file:<path>`). */
export interface TrustedIssuer {
  issuer: string;
  keys: string;
}

/** Whom the consumer trusts: the audience it expects and the issuers whose keys it holds. */
export interface ConsumerTrust {
  audience: string;
  issuers: TrustedIssuer[];
}

/** A key set inline in KJP_ISSUERS, as a deployment can give it. */
export const inlineKeys = (...publicJwks: JWK[]): string => JSON.stringify({ keys: publicJwks });

/** The test vectors' two issuers (test/vectors), trusted by the key files beside them. */
export function vectorTrust(): ConsumerTrust {
  const vectors = join(projectRoot(), "test/vectors");
  return {
    audience: VECTOR_SETTINGS.audience,
    issuers: [
      { issuer: VECTOR_SETTINGS.issuer, keys: `file:${join(vectors, "jwks.json")}` },
      { issuer: VECTOR_SETTINGS.otherIssuer, keys: `file:${join(vectors, "jwks.billing-rails.json")}` },
    ],
  };
}

/**
 * The settings the consumer reads (lib/config) for a test's tables and trust, plus what the test varies
 * (`overrides`: metrics namespace, log level...). Only these keys: merge it into process.env or a copy of it.
 */
export function consumerEnvFor(
  tables: { ledgerTable: string; projectionsTable: string },
  trust: ConsumerTrust,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    KJP_LEDGER_TABLE: tables.ledgerTable,
    KJP_PROJECTIONS_TABLE: tables.projectionsTable,
    KJP_AUDIENCE: trust.audience,
    KJP_ISSUERS: JSON.stringify(trust.issuers),
    ...overrides,
  };
}
