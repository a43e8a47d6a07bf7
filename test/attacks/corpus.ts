/**
 * The attack corpus (issue: "prove it"): tokens an attacker who can put records on the stream would try,
 * each with the outcome the contract demands. Built from keys and a clock so the same corpus serves three
 * checks: the TypeScript verifier (corpus.test.ts, from corpus.json), the gem's verifier
 * (producers/ruby/test/attacks_test.rb, from corpus.json) and the real consumer on DynamoDB Local
 * (test/integration/attacks/, built afresh with the current time).
 *
 * `expect` is a rejection reason, or `accepted` for tokens that must verify (both spellings of one ECDSA
 * signature). Pure data: no I/O.
 */
import { createPublicKey } from "node:crypto";
import type { JWK } from "jose";
import { b64url, ecdsaTwin, forge, type ForgeKey } from "../../lib/envelope/testing/forge.js";
import { registry } from "../../schemas/index.js";

export type AttackOutcome =
  | "accepted"
  | "malformed"
  | "header"
  | "unknown_key"
  | "bad_signature"
  | "claims"
  | "expired"
  | "unknown_type"
  | "invalid_payload";

export interface Attack {
  category: string;
  name: string;
  token: string;
  expect: AttackOutcome;
}

export interface CorpusKeys {
  /** Trusted for `issuer`: one ES256 and one EdDSA private JWK (with kid). */
  es256: JWK;
  eddsa: JWK;
  /** Trusted for `otherIssuer` only. */
  other: JWK;
  /** Trusted by nobody. */
  untrusted: JWK;
}

export interface CorpusContext {
  keys: CorpusKeys;
  issuer: string;
  otherIssuer: string;
  audience: string;
  /** Seconds since the epoch: tokens are issued an hour before. */
  now: number;
  /** Makes jti values unique per build, so a corpus can run against a ledger that has seen an earlier one. */
  jtiPrefix?: string;
}

const DAY = 86400;
const publicOf = ({ d: _d, ...pub }: JWK): JWK => pub;

export function buildAttackCorpus(ctx: CorpusContext): Attack[] {
  const { keys, issuer, audience } = ctx;
  const iat = ctx.now - 3600;
  let n = 0;
  const jti = () => `${ctx.jtiPrefix ?? "0194f3c0-0000-7000-8000-a7"}${String(++n).padStart(10, "0")}`;
  const example = registry.get("contact.upserted", 2)!.example;
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: issuer,
    aud: audience,
    iat,
    exp: iat + 7 * DAY,
    jti: jti(),
    type: "contact.upserted",
    v: 2,
    data: example,
    sub: "acc_attack",
    ...extra,
  });
  const hdr = (extra: Record<string, unknown> = {}) => ({
    alg: "ES256",
    kid: keys.es256.kid,
    typ: "kjp+jwt",
    ...extra,
  });
  const ES: ForgeKey = { alg: "ES256", privateJwk: keys.es256 };
  const ED: ForgeKey = { alg: "EdDSA", privateJwk: keys.eddsa };
  const OTHER: ForgeKey = { alg: "ES256", privateJwk: keys.other };
  const UNTRUSTED: ForgeKey = { alg: "ES256", privateJwk: keys.untrusted };
  const spki = createPublicKey({
    key: publicOf(keys.es256) as import("node:crypto").JsonWebKey,
    format: "jwk",
  });
  const pem = spki.export({ format: "pem", type: "spki" }).toString();
  const jwkText = JSON.stringify(publicOf(keys.es256));

  const out: Attack[] = [];
  const add = (category: string, name: string, token: string, expect: AttackOutcome) =>
    out.push({ category, name, token, expect });

  // ---- algorithm confusion, every direction ----------------------------------------------------------------
  const alg = "algorithm confusion";
  add(alg, "alg none, empty signature", forge(hdr({ alg: "none" }), claims(), { alg: "none" }), "header");
  add(alg, "alg None (case variant)", forge(hdr({ alg: "None" }), claims(), { alg: "none" }), "header");
  add(alg, "alg es256 (lower case)", forge(hdr({ alg: "es256" }), claims(), ES), "header");
  add(alg, "alg 'ES256 ' (trailing space)", forge(hdr({ alg: "ES256 " }), claims(), ES), "header");
  for (const other of ["RS256", "PS256", "ES384", "ES512", "ES256K", "Ed25519", "HS512"]) {
    add(alg, `alg ${other}`, forge(hdr({ alg: other }), claims(), ES), "header");
  }
  add(alg, "alg as an array", forge(hdr({ alg: ["ES256"] }), claims(), ES), "header");
  const hs = (secret: string | Uint8Array): ForgeKey => ({ alg: "HS256", secret: Buffer.from(secret) });
  add(
    alg,
    "HS256 keyed with the ES256 public key's PEM",
    forge(hdr({ alg: "HS256" }), claims(), hs(pem)),
    "header",
  );
  add(
    alg,
    "HS256 keyed with the public JWK text",
    forge(hdr({ alg: "HS256" }), claims(), hs(jwkText)),
    "header",
  );
  add(
    alg,
    "HS256 keyed with the public x coordinate",
    forge(hdr({ alg: "HS256" }), claims(), hs(String(keys.es256.x))),
    "header",
  );
  add(alg, "EdDSA header naming the ES256 key", forge(hdr({ alg: "EdDSA" }), claims(), ED), "unknown_key");
  add(
    alg,
    "ES256 header naming the EdDSA key",
    forge(hdr({ kid: keys.eddsa.kid }), claims(), ES),
    "unknown_key",
  );
  add(alg, "EdDSA signature under an ES256 header", forge(hdr(), claims(), ED), "bad_signature");
  add(
    alg,
    "all-zero ES256 signature (psychic signature)",
    forge(hdr(), claims(), { alg: "zero-ES256" }),
    "bad_signature",
  );
  add(
    alg,
    "embedded jwk naming the attacker's key",
    forge(hdr({ jwk: publicOf(keys.untrusted) }), claims(), UNTRUSTED),
    "header",
  );
  add(
    alg,
    "jku pointing at the attacker's key set",
    forge(hdr({ jku: "http://127.0.0.1:1/jwks.json" }), claims(), UNTRUSTED),
    "header",
  );

  // ---- key-id injection ---------------------------------------------------------------------------------------
  const kid = "key-id injection";
  for (const [name, value] of [
    ["a path", "../../../../etc/passwd"],
    ["an absolute path", "/proc/self/environ"],
    ["a URL", "http://127.0.0.1:1/key"],
    ["SQL-like text", "' OR '1'='1' --"],
    ["a NUL byte", "es\u0000256"],
    ["a ledger key separator", `${keys.es256.kid}#x`],
    ["4,000 characters", "k".repeat(4000)],
    ["the trusted kid with a look-alike letter", String(keys.es256.kid).replace(/e/, "\u0435")],
  ] as const) {
    add(
      kid,
      `kid is ${name}`,
      forge(hdr({ kid: value }), claims(), UNTRUSTED),
      name === "4,000 characters" ? "header" : "unknown_key",
    );
  }
  add(kid, "kid is a number", forge(hdr({ kid: 1 }), claims(), ES), "header");
  add(kid, "kid is an object", forge(hdr({ kid: { $ne: null } }), claims(), ES), "header");
  add(kid, "kid is empty", forge(hdr({ kid: "" }), claims(), ES), "header");
  add(
    kid,
    "kid of another issuer's key",
    forge(hdr({ kid: keys.other.kid }), claims(), OTHER),
    "unknown_key",
  );
  add(kid, "trusted kid, signed by an untrusted key", forge(hdr(), claims(), UNTRUSTED), "bad_signature");

  // ---- duplicated JSON member names ---------------------------------------------------------------------------
  const dup = "duplicated JSON member names";
  const c = JSON.stringify(claims());
  add(
    dup,
    "header: alg none, then alg ES256",
    forge(`{"alg":"none","kid":"${keys.es256.kid}","typ":"kjp+jwt","alg":"ES256"}`, c, ES),
    "header",
  );
  add(
    dup,
    "header: typ twice",
    forge(`{"alg":"ES256","kid":"${keys.es256.kid}","typ":"JWT","typ":"kjp+jwt"}`, c, ES),
    "header",
  );
  add(
    dup,
    "header: kid twice",
    forge(`{"alg":"ES256","kid":"nope","kid":"${keys.es256.kid}","typ":"kjp+jwt"}`, c, ES),
    "header",
  );
  add(
    dup,
    "header: alg spelled with an escape",
    forge(`{"alg":"none","\\u0061lg":"ES256","kid":"${keys.es256.kid}","typ":"kjp+jwt"}`, c, ES),
    "header",
  );
  add(dup, "payload: iss twice", forge(hdr(), c.replace("{", `{"iss":"mallory",`), ES), "malformed");
  add(dup, "payload: aud twice", forge(hdr(), c.replace("{", `{"aud":"another-pipeline",`), ES), "malformed");
  add(
    dup,
    "payload: a member of data twice",
    forge(hdr(), c.replace('"data":{', '"data":{"email":"a@evil.test",'), ES),
    "malformed",
  );

  // ---- numbers beyond 2^53 and beyond DynamoDB's range ----------------------------------------------------------
  const num = "out-of-range numbers";
  // Raw number text, exactly as an attacker would write it (JSON.stringify would normalise it first).
  const withNumber = (key: string, text: string) =>
    JSON.stringify(claims({ [key]: "@NUMBER@" })).replace('"@NUMBER@"', text);
  add(num, "v = 2^53 + 1", forge(hdr(), claims({ v: 2 ** 53 + 1 }), ES), "claims");
  add(num, "v = 1e300", forge(hdr(), withNumber("v", "1e300"), ES), "claims");
  add(num, "v = 5e-324", forge(hdr(), withNumber("v", "5e-324"), ES), "claims");
  add(num, "v = -0", forge(hdr(), withNumber("v", "-0"), ES), "claims");
  add(num, "iat = 1e300", forge(hdr(), claims({ iat: 1e300 }), ES), "claims");
  add(num, "exp = 1e308", forge(hdr(), claims({ exp: 1e308 }), ES), "claims");
  add(
    num,
    "amount beyond 2^53 in data",
    forge(
      hdr(),
      claims({
        type: "deal.stage_changed",
        v: 1,
        data: { ...registry.get("deal.stage_changed", 1)!.example, amountMinor: 2 ** 53 + 2 },
      }),
      ES,
    ),
    "invalid_payload",
  );
  add(num, "untrusted key, v = 1e300", forge(hdr(), withNumber("v", "1e300"), UNTRUSTED), "bad_signature");
  add(
    num,
    "untrusted kid, v = 1e300, jti = 1e300",
    forge(hdr({ kid: "mallory-1" }), claims({ jti: 1e300, v: 1e300 }), UNTRUSTED),
    "unknown_key",
  );

  // ---- unicode look-alikes -------------------------------------------------------------------------------------
  const uni = "unicode look-alikes";
  add(uni, "typ with a Cyrillic 'ј'", forge(hdr({ typ: "k\u0458p+jwt" }), claims(), ES), "header");
  add(
    uni,
    "typ in full-width letters",
    forge(hdr({ typ: "\uff4b\uff4a\uff50+jwt" }), claims(), ES),
    "header",
  );
  add(uni, "typ KJP+JWT (upper case)", forge(hdr({ typ: "KJP+JWT" }), claims(), ES), "header");
  add(uni, "typ with a zero-width space", forge(hdr({ typ: "kjp+jwt\u200b" }), claims(), ES), "header");
  add(
    uni,
    "iss with a non-breaking hyphen",
    forge(hdr(), claims({ iss: issuer.replace("-", "\u2011") }), ES),
    "claims",
  );
  add(
    uni,
    "iss with a Cyrillic 'с'",
    forge(hdr(), claims({ iss: issuer.replace("c", "\u0441") }), ES),
    "claims",
  );
  add(
    uni,
    "aud with a trailing zero-width joiner",
    forge(hdr(), claims({ aud: `${audience}\u200d` }), ES),
    "claims",
  );
  add(uni, "type with a Cyrillic 'о'", forge(hdr(), claims({ type: "c\u043entact.upserted" }), ES), "claims");

  // ---- huge and deeply nested headers --------------------------------------------------------------------------
  const big = "huge and deep headers";
  add(big, "header of 5,000 bytes", forge(hdr({ pad: "x".repeat(5000) }), claims(), ES), "header");
  add(big, "header nested 5 deep", forge(hdr({ a: { b: { c: { d: {} } } } }), claims(), ES), "header");
  add(
    big,
    "header nested 5,000 deep",
    forge(`{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`, claims(), ES),
    "header",
  );
  add(
    big,
    "payload nested 10,000 deep",
    forge(hdr(), `{"a":${"[".repeat(10000)}${"]".repeat(10000)}}`, ES),
    "malformed",
  );

  // ---- trailing garbage ----------------------------------------------------------------------------------------
  const tail = "trailing garbage";
  const good = forge(hdr(), claims(), ES);
  add(tail, "a fourth segment", `${good}.AAAA`, "malformed");
  add(tail, "a trailing dot", `${good}.`, "malformed");
  add(tail, "a trailing newline", `${good}\n`, "malformed");
  add(tail, "a trailing space", `${good} `, "malformed");
  add(tail, "a trailing NUL byte", `${good}\u0000`, "malformed");
  add(tail, "bytes appended to the signature", `${good}AAAA`, "bad_signature");
  add(tail, "JSON after the header object", forge(`${JSON.stringify(hdr())}{}`, claims(), ES), "malformed");
  add(tail, "JSON after the payload object", forge(hdr(), `${JSON.stringify(claims())}[]`, ES), "malformed");
  add(
    tail,
    "a byte-order mark before the header",
    forge(`\ufeff${JSON.stringify(hdr())}`, claims(), ES),
    "malformed",
  );

  // ---- both spellings of one ECDSA signature -------------------------------------------------------------------
  const twin = "ECDSA malleability";
  const original = forge(hdr(), claims(), ES);
  add(twin, "the original spelling", original, "accepted");
  add(twin, "the other spelling (s replaced by n - s)", ecdsaTwin(original), "accepted");

  // ---- replay across pipelines ----------------------------------------------------------------------------------
  const rep = "tokens moved elsewhere";
  add(rep, "a token for another pipeline", forge(hdr(), claims({ aud: "another-pipeline" }), ES), "claims");
  add(
    rep,
    "another issuer's token claiming our issuer",
    forge(hdr({ kid: keys.other.kid }), claims(), OTHER),
    "unknown_key",
  );
  add(
    rep,
    "an old token past its exp",
    forge(hdr(), claims({ iat: ctx.now - 9 * DAY, exp: ctx.now - 2 * DAY }), ES),
    "expired",
  );
  add(
    rep,
    "a payload from one token with the signature of another",
    `${good.split(".")[0]}.${b64url(JSON.stringify(claims({ sub: "acc_victim" })))}.${good.split(".")[2]}`,
    "bad_signature",
  );

  return out;
}
