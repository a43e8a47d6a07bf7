import type { JWK } from "jose";
import { z } from "zod";
import type { PayloadValidator, ValidationResult } from "../types.js";
import { generateSigningKey } from "../signing-keys.js";
import { createStaticKeySet } from "../keysets/static-key-set.js";
import { parseJwks } from "../keysets/jwks.js";
import { createVerifier, type Verifier, type VerifierOptions } from "../verify.js";

/** A fixed clock: tests and vectors never depend on the real time. */
export const NOW = 1_800_000_000;
export const AUDIENCE = "crm-pipeline";
export const ISSUER = "crm-rails";
export const OTHER_ISSUER = "billing-rails";

/** A tiny stand-in for the schema registry: one type, two versions, v1 upcast to v2. */
const pingV1 = z.strictObject({ id: z.string().min(1).max(64), note: z.string().max(100).optional() });
const pingV2 = z.strictObject({
  id: z.string().min(1).max(64),
  note: z.string().max(100),
  tags: z.array(z.string()).max(5),
});

export const pingValidator: PayloadValidator = {
  validate(type, v, data): ValidationResult {
    if (type !== "test.ping" || (v !== 1 && v !== 2)) {
      return { ok: false, reason: "unknown_type", detail: `no schema for ${type} v${v}` };
    }
    const schema = v === 1 ? pingV1 : pingV2;
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.join(".") || "(root)",
        message: i.message,
      }));
      return {
        ok: false,
        reason: "invalid_payload",
        detail: `invalid: ${issues.map((i) => i.path).join(", ")}`,
        issues,
      };
    }
    const out =
      v === 1
        ? {
            id: (parsed.data as { id: string }).id,
            note: (parsed.data as { note?: string }).note ?? "",
            tags: [],
          }
        : parsed.data;
    return { ok: true, v: 2, data: out };
  },
};

export interface TestKeys {
  es: { privateJwk: JWK; publicJwk: JWK };
  ed: { privateJwk: JWK; publicJwk: JWK };
  hs: { privateJwk: JWK; publicJwk: JWK };
  other: { privateJwk: JWK; publicJwk: JWK };
}

export async function makeKeys(): Promise<TestKeys> {
  return {
    es: await generateSigningKey("ES256", "es-1"),
    ed: await generateSigningKey("EdDSA", "ed-1"),
    hs: await generateSigningKey("HS256", "hs-1"),
    other: await generateSigningKey("ES256", "billing-1"),
  };
}

export function makeVerifier(keys: TestKeys, overrides: Partial<VerifierOptions> = {}): Verifier {
  const mine = parseJwks(
    JSON.stringify({ keys: [keys.es.publicJwk, keys.ed.publicJwk, keys.hs.publicJwk] }),
    "test",
  );
  const theirs = parseJwks(JSON.stringify({ keys: [keys.other.publicJwk] }), "test");
  return createVerifier({
    audience: AUDIENCE,
    issuers: [
      { issuer: ISSUER, keySet: createStaticKeySet(mine) },
      { issuer: OTHER_ISSUER, keySet: createStaticKeySet(theirs) },
    ],
    validator: pingValidator,
    ...overrides,
  });
}

export function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    iat: NOW - 10,
    exp: NOW - 10 + 7 * 86400,
    jti: "01890a5d-ac96-774b-bcce-b302099a8057",
    type: "test.ping",
    v: 2,
    data: { id: "p-1", note: "hello", tags: ["a"] },
    sub: "acc_1",
    ...extra,
  };
}
