/**
 * Writes the cross-language test vectors in test/vectors/ (run: `npm run vectors`).
 *
 * The keys in private-keys.TEST-ONLY.json are reused when present, so regenerating keeps jwks.json stable;
 * ES256 signatures are randomised and change on every run, EdDSA ones are deterministic (RFC 8032), so a
 * second implementation can re-sign an EdDSA vector's `sign` input and must produce the same bytes.
 * Every vector carries the fixed `now` of its file, so nothing ever expires.
 */
import { createPublicKey } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import { registry } from "../../schemas/index.js";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import { loadKeySet } from "../../lib/envelope/keysets/load-key-set.js";
import { createSigner, type SignInput } from "../../lib/envelope/sign.js";
import { forge, b64url, type ForgeKey } from "../../lib/envelope/testing/forge.js";
import { createVerifier } from "../../lib/envelope/verify.js";
import { projectRoot } from "../../lib/util/project-root.js";

const DIR = join(projectRoot(), "test", "vectors");
export const VECTOR_NOW = 1_800_000_000; // 2027-01-15T08:00:00Z
const ISSUER = "crm-rails";
const OTHER_ISSUER = "billing-rails";
const AUDIENCE = "crm-pipeline";
const DAY = 86400;

interface KeyFile {
  warning: string;
  keys: Record<"es256" | "eddsa" | "other", JWK>;
}

async function loadOrCreateKeys(): Promise<KeyFile> {
  const path = join(DIR, "private-keys.TEST-ONLY.json");
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as KeyFile;
  return {
    warning: "TEST-ONLY KEYS, PUBLISHED ON PURPOSE. Never trust them anywhere but in tests.",
    keys: {
      es256: (await generateSigningKey("ES256", "vectors-es256-1")).privateJwk,
      eddsa: (await generateSigningKey("EdDSA", "vectors-eddsa-1")).privateJwk,
      other: (await generateSigningKey("ES256", "vectors-billing-es256-1")).privateJwk,
    },
  };
}

const publicOf = (jwk: JWK): JWK => {
  const { d: _d, ...pub } = jwk;
  return pub;
};

function write(name: string, value: unknown): void {
  writeFileSync(join(DIR, name), JSON.stringify(value, null, 2) + "\n");
}

async function main(): Promise<void> {
  const keyFile = await loadOrCreateKeys();
  const { es256, eddsa, other } = keyFile.keys;
  write("private-keys.TEST-ONLY.json", keyFile);
  write("jwks.json", { keys: [publicOf(es256), publicOf(eddsa)] });
  write("jwks.billing-rails.json", { keys: [publicOf(other)] });

  const verifierConfig = {
    audience: AUDIENCE,
    issuers: [
      { issuer: ISSUER, jwks: "jwks.json" },
      { issuer: OTHER_ISSUER, jwks: "jwks.billing-rails.json" },
    ],
    clockToleranceSec: 60,
    maxLifetimeSec: 8 * DAY,
    allowHS256: false,
    maxTokenBytes: 1024 * 1024,
  };

  const verifier = createVerifier({
    audience: AUDIENCE,
    issuers: verifierConfig.issuers.map((i) => ({
      issuer: i.issuer,
      keySet: loadKeySet(`file:${join(DIR, i.jwks)}`),
    })),
    validator: registry,
  });

  // ---- valid ------------------------------------------------------------------------------------------
  const iat = VECTOR_NOW - 3600;
  const signers = { ES256: await signerFor(es256, ISSUER), EdDSA: await signerFor(eddsa, ISSUER) };
  const valid: unknown[] = [];
  const examples = registry.list();
  for (const alg of ["ES256", "EdDSA"] as const) {
    for (const schema of examples) {
      const input: SignInput = {
        type: schema.type,
        v: schema.v,
        data: schema.example,
        sub: "acc_3Fh7Rw9nB2cD",
        jti: `0194f3c0-0000-7000-8000-${alg === "ES256" ? "e5" : "ed"}${String(valid.length).padStart(10, "0")}`,
        now: iat,
      };
      valid.push(await validVector(`${alg} ${schema.type} v${schema.v}`, signers[alg], input));
    }
  }
  const otherSigner = await signerFor(other, OTHER_ISSUER);
  valid.push(
    await validVector("ES256 from a second trusted issuer, without sub", otherSigner, {
      type: "note.added",
      v: 1,
      data: registry.get("note.added", 1)!.example,
      jti: "0194f3c0-0000-7000-8000-b10000000001",
      now: iat,
    }),
  );

  // ---- invalid ----------------------------------------------------------------------------------------
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    aud: AUDIENCE,
    iat,
    exp: iat + 7 * DAY,
    jti: "0194f3c0-0000-7000-8000-0bad00000001",
    type: "contact.upserted",
    v: 2,
    data: registry.get("contact.upserted", 2)!.example,
    sub: "acc_3Fh7Rw9nB2cD",
    ...extra,
  });
  const without = (name: string) => {
    const c: Record<string, unknown> = claims();
    delete c[name];
    return c;
  };
  const hdr = (extra: Record<string, unknown> = {}) => ({
    alg: "ES256",
    kid: es256.kid,
    typ: "kjp+jwt",
    ...extra,
  });
  const ES: ForgeKey = { alg: "ES256", privateJwk: es256 };
  const ED: ForgeKey = { alg: "EdDSA", privateJwk: eddsa };
  const good = forge(hdr(), claims(), ES);
  const [gh, gp, gs] = good.split(".") as [string, string, string];
  const spki = createPublicKey({
    key: publicOf(es256) as import("node:crypto").JsonWebKey,
    format: "jwk",
  }).export({ format: "der", type: "spki" });
  const dataWith = (raw: string) => JSON.stringify(claims({ data: "@DATA@" })).replace('"@DATA@"', raw);

  const invalid: Array<{ name: string; token: string; reason: string; stage: "envelope" | "schema" }> = [];
  const add = (name: string, token: string, reason: string, stage: "envelope" | "schema" = "envelope") =>
    invalid.push({ name, token, reason, stage });

  add("5-part token (JWE)", `${gh}.${gp}.${gs}.AAAA.BBBB`, "malformed");
  add("2-part token", `${gh}.${gp}`, "malformed");
  add("base64url with padding", `${gh}=.${gp}.${gs}`, "malformed");
  add("base64 '+' character", `${gh.slice(0, -1)}+.${gp}.${gs}`, "malformed");
  add("base64 '/' character", `${gh}.${gp.slice(0, -1)}/.${gs}`, "malformed");
  add("whitespace inside", `${gh}. ${gp}.${gs}`, "malformed");
  add("header not JSON", forge("{alg", claims(), ES), "malformed");
  add("header a JSON array", forge('["ES256"]', claims(), ES), "malformed");
  add("payload not JSON", forge(hdr(), "hello", ES), "malformed");
  add("payload a JSON array", forge(hdr(), "[1,2,3]", ES), "malformed");
  add(
    "data nested 40 levels deep",
    forge(hdr(), dataWith('{"a":'.repeat(40) + "{}" + "}".repeat(40)), ES),
    "malformed",
  );
  add("alg none", forge(hdr({ alg: "none" }), claims(), { alg: "none" }), "header");
  add("alg RS256", forge(hdr({ alg: "RS256" }), claims(), ES), "header");
  add(
    "HS256 signed with the issuer's public key (SPKI DER) as the secret",
    forge(hdr({ alg: "HS256" }), claims(), { alg: "HS256", secret: new Uint8Array(spki) }),
    "header",
  );
  for (const member of ["jku", "x5u", "x5c", "jwk", "crit"]) {
    const value = {
      jku: "https://evil.example/jwks",
      x5u: "https://evil.example/cert",
      x5c: ["MIIB"],
      jwk: publicOf(es256),
      crit: ["exp"],
    }[member];
    add(`${member} in the header`, forge(hdr({ [member]: value }), claims(), ES), "header");
  }
  add("typ JWT", forge(hdr({ typ: "JWT" }), claims(), ES), "header");
  add("typ missing", forge({ alg: "ES256", kid: es256.kid }, claims(), ES), "header");
  add("kid missing", forge({ alg: "ES256", typ: "kjp+jwt" }, claims(), ES), "header");
  add("unknown kid", forge(hdr({ kid: "no-such-key" }), claims(), ES), "unknown_key");
  add(
    "kid bound to another issuer",
    forge(hdr({ kid: other.kid }), claims(), { alg: "ES256", privateJwk: other }),
    "unknown_key",
  );
  add("EdDSA header on an ES256 key", forge(hdr({ alg: "EdDSA" }), claims(), ED), "unknown_key");
  add("ES256 signature of all zero bytes", forge(hdr(), claims(), { alg: "zero-ES256" }), "bad_signature");
  add(
    "payload changed after signing",
    `${gh}.${b64url(JSON.stringify(claims({ sub: "acc_other" })))}.${gs}`,
    "bad_signature",
  );
  add(
    "signed by an untrusted key",
    forge(hdr(), claims(), { alg: "ES256", privateJwk: other }),
    "bad_signature",
  );
  add("wrong iss", forge(hdr(), claims({ iss: "mallory" }), ES), "claims");
  add("wrong aud", forge(hdr(), claims({ aud: "another-pipeline" }), ES), "claims");
  for (const name of ["iss", "aud", "jti", "exp", "iat", "type", "v", "data"]) {
    add(`missing ${name}`, forge(hdr(), without(name), ES), "claims");
  }
  add(
    "iat in the future",
    forge(hdr(), claims({ iat: VECTOR_NOW + 600, exp: VECTOR_NOW + 600 + DAY }), ES),
    "claims",
  );
  add("nbf in the future", forge(hdr(), claims({ nbf: VECTOR_NOW + 600 }), ES), "claims");
  add("lifetime above the maximum (9 days)", forge(hdr(), claims({ exp: iat + 9 * DAY }), ES), "claims");
  add("v not an integer", forge(hdr(), claims({ v: 1.5 }), ES), "claims");
  add("type not lowercase dotted", forge(hdr(), claims({ type: "ContactUpserted" }), ES), "claims");
  add("data an array", forge(hdr(), claims({ data: [] }), ES), "claims");
  add(
    "__proto__ claim",
    forge(hdr(), JSON.stringify(claims()).replace("{", '{"__proto__":{"admin":true},'), ES),
    "claims",
  );
  add(
    "expired",
    forge(hdr(), claims({ iat: VECTOR_NOW - 8 * DAY, exp: VECTOR_NOW - 8 * DAY + 7 * DAY }), ES),
    "expired",
  );
  add("unknown type", forge(hdr(), claims({ type: "contact.deleted", v: 1 }), ES), "unknown_type", "schema");
  add("unknown version", forge(hdr(), claims({ v: 99 }), ES), "unknown_type", "schema");
  add(
    "payload failing its schema",
    forge(
      hdr(),
      claims({ data: { ...registry.get("contact.upserted", 2)!.example, email: "not-an-email" } }),
      ES,
    ),
    "invalid_payload",
    "schema",
  );
  add(
    "__proto__ key inside data",
    forge(
      hdr(),
      dataWith(
        JSON.stringify(registry.get("contact.upserted", 2)!.example).replace(
          "{",
          '{"__proto__":{"polluted":true},',
        ),
      ),
      ES,
    ),
    "invalid_payload",
    "schema",
  );

  const common = {
    contract: "kjp envelope v1 (docs/contract.md)",
    now: VECTOR_NOW,
    verifier: verifierConfig,
  };
  write("valid.json", { ...common, vectors: valid });
  write("invalid.json", { ...common, vectors: invalid });

  // Self-check: the files just written must mean what they say.
  for (const v of invalid) {
    const r = await verifier.verify(v.token, { now: VECTOR_NOW });
    if (r.ok || r.rejection.reason !== v.reason)
      throw new Error(`vector "${v.name}": got ${r.ok ? "accepted" : r.rejection.reason}`);
  }
  console.log(`wrote ${valid.length} valid and ${invalid.length} invalid vectors to ${DIR}`);

  async function validVector(name: string, signer: Awaited<ReturnType<typeof signerFor>>, input: SignInput) {
    const token = await signer.sign(input);
    const result = await verifier.verify(token, { now: VECTOR_NOW });
    if (!result.ok) throw new Error(`valid vector "${name}" was rejected: ${result.rejection.detail}`);
    const [h, p] = token.split(".") as [string, string];
    return {
      name,
      token,
      deterministic: signer.alg === "EdDSA",
      sign: { ...input, iss: signer.issuer, aud: AUDIENCE, ttlSeconds: 7 * DAY },
      header: JSON.parse(Buffer.from(h, "base64url").toString("utf8")),
      claims: JSON.parse(Buffer.from(p, "base64url").toString("utf8")),
      message: result.message,
    };
  }
}

async function signerFor(privateJwk: JWK, issuer: string) {
  const signer = await createSigner({ privateJwk, issuer, audience: AUDIENCE });
  return Object.assign(signer, { issuer });
}

await main();
