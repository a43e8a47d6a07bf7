/**
 * Arbitraries for the consumer fuzz (consumer.fuzz.test.ts): Kinesis records as an attacker or a broken
 * producer could put them on the stream, mixed with valid signed messages. Each generated record says what it
 * is (`kind`) so the test can hold the consumer to what that kind must become; whether a record may be
 * accepted is decided by an independent reading of the contract (contract-oracle.ts), never by the kind.
 *
 * Tokens are signed here, synchronously, with the shared test-only vector keys (trusted by the consumer under
 * test) or with a key nobody trusts. Every message id is unique per run (`nextJti`), except where a case
 * re-sends a message on purpose.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { JWK } from "jose";
import { encodeAggregate } from "../../../lib/kinesis/aggregated-record.js";
import { b64url, forge, type ForgeKey } from "../../../lib/envelope/testing/forge.js";
import { CURRENCIES } from "../../../schemas/primitives.js";
import { registry } from "../../../schemas/index.js";
import { DEAL_STAGES } from "../../../schemas/deal-stage-changed.v1.js";

export interface FuzzKeys {
  es256: JWK;
  eddsa: JWK;
  /** billing-rails' key: trusted, but only for that issuer. */
  other: JWK;
  untrusted: JWK;
}

export interface FuzzSettings {
  keys: FuzzKeys;
  issuer: string;
  otherIssuer: string;
  audience: string;
  /** Unique per run: message ids and entity ids start with it, so runs on a kept stack never collide. */
  runId: string;
  /** seconds */
  now: () => number;
}

/** A valid message as the test expects to find it applied (its effect), signed once. */
export interface ValidMessage {
  token: string;
  iss: string;
  jti: string;
  type: "deal.stage_changed" | "note.added" | "contact.upserted";
  data: Record<string, unknown>;
}

/** A record's data and what kind of input it is; `users` for a well-formed KPL aggregate. */
export type RecordSpec =
  | { kind: "valid"; message: ValidMessage; label: string }
  | { kind: "resend"; pick: number; twin: boolean; label: string }
  /** The same bytes as a hostile record of an earlier batch. */
  | { kind: "resend-hostile"; pick: number; label: string }
  | { kind: "siblings"; messages: [ValidMessage, ValidMessage]; label: string }
  | { kind: "hostile"; data: Buffer; label: string; trustedSignature: boolean }
  | { kind: "aggregate"; users: AggregateUser[]; partitionKeys: string[]; label: string }
  | { kind: "corrupt-aggregate"; data: Buffer; label: string };

export type AggregateUser = { keyIndex: number } & (
  { kind: "valid"; message: ValidMessage } | { kind: "hostile"; data: Buffer; trustedSignature: boolean }
);

export interface BatchSpec {
  records: { spec: RecordSpec; partitionKey: string }[];
}

const md5 = (b: Buffer) => createHash("md5").update(b).digest();

// ---------------------------------------------------------------- hostile values for claims and data

const LONE_SURROGATES = ["\uD800", "\uDFFF", "a\uDC00b", "\uD83D", "x\uDBFF"];
const HUGE = 400 * 1024;

/** Values DynamoDB or a naive consumer chokes on: empty, lone surrogates, huge, deep, wide, odd numbers. */
function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom("", " ", "#", "%23", "msg#crm-rails#x", "\u0000", "\u202e", "ﬀ", "İ"),
    fc.constantFrom(...LONE_SURROGATES),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.constant("x".repeat(HUGE)),
    fc.constantFrom(1e300, -1e300, 5e-324, -0, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -1, 0, 1.5),
    fc.integer({ min: 1, max: 60 }).map(nested),
    fc.integer({ min: 1, max: 3000 }).map(wide),
    fc.constantFrom(null, true, [], {}, [""], { "": "" }),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

function nested(depth: number): unknown {
  let v: unknown = "deep";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

function wide(n: number): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = `v${i}`;
  return o;
}

/**
 * Numbers JSON can carry but a double cannot hold: written into the payload's text after JSON.stringify, in
 * place of a marker string.
 */
const RAW_NUMBERS = ["1e400", "-1e400", "123456789012345678901234567890", "1e-400", "0.1e1", "-0"];
const RAW_MARKER = "\u0001raw-number\u0001";

// ---------------------------------------------------------------- valid messages

let jtiCounter = 0;
/**
 * A unique message id, sometimes behind a prefix that is legal in a jti but awkward as a DynamoDB key part: the
 * ledger's separator and its escape, a lone surrogate, spaces, a long run (the whole id stays <= 256 characters).
 */
const ODD_JTI_PREFIXES = [
  "",
  "",
  "",
  "#",
  "%",
  "%23#",
  "\uD800",
  "\uDC00x",
  " ",
  "ß",
  "msg#crm-rails#",
  "j".repeat(230),
];
const nextJti = (s: FuzzSettings, prefix = "") =>
  `${prefix}${s.runId}-${(jtiCounter++).toString(36).padStart(6, "0")}`;
/** An entity id of the message's own (UTF-16 code units hashed: ids that differ in a lone surrogate differ here). */
const idOf = (prefix: string, jti: string) =>
  `${prefix}_${createHash("sha256").update(Buffer.from(jti, "utf16le")).digest("hex").slice(0, 32)}`;

/** Text a schema accepts but that is unusual: emoji, right-to-left, long, and lone surrogates. */
const oddText = (max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("Call went well.", "Grüße, 👋🏽", "שלום", "a\tb\nc") },
    { weight: 2, arbitrary: fc.constantFrom(...LONE_SURROGATES).map((s) => `note ${s} end`) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: max }).map((n) => "é".repeat(n)) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 30 }).map((s) => `t${s}t`) },
  );

function validData(type: ValidMessage["type"], jti: string, account: string) {
  switch (type) {
    case "deal.stage_changed":
      return fc.record({
        dealId: fc.constant(idOf("deal", jti)),
        accountId: fc.constant(account),
        fromStage: fc.constant(null),
        toStage: fc.constantFrom(...DEAL_STAGES),
        amountMinor: fc.integer({ min: 0, max: 1e12 }),
        currency: fc.constantFrom(...CURRENCIES),
        changedAt: fc.constant("2026-11-24T09:30:00Z"),
      });
    case "note.added":
      return fc.record({
        noteId: fc.constant(idOf("note", jti)),
        accountId: fc.constant(account),
        authorId: fc.constant("usr_Jd82hF0aQz11"),
        body: oddText(10_000),
        mentions: fc.constantFrom([], ["usr_Gh55kP0mRt22"]),
        createdAt: fc.constant("2026-11-24T10:02:33.120-05:00"),
        notify: fc.boolean(),
      });
    case "contact.upserted":
      return fc.record({
        contactId: fc.constant(idOf("con", jti)),
        accountId: fc.constant(account),
        email: fc.constant("ada@example.com"),
        givenName: oddText(200),
        familyName: fc.option(oddText(200), { nil: null }),
        tags: fc.uniqueArray(fc.constantFrom("vip", "ünï", "🙂", "t\uD800t"), { maxLength: 4 }),
        updatedAt: fc.constant("2026-11-24T17:45:00+01:00"),
      });
  }
}

/** One valid message: a registered type with data its schema accepts, signed by a trusted key of its issuer. */
export function validMessage(
  s: FuzzSettings,
  account: string,
  jtiOf?: () => string,
  only?: ValidMessage["type"],
): fc.Arbitrary<ValidMessage> {
  return fc
    .record({
      type: (only
        ? fc.constant(only)
        : fc.constantFrom("deal.stage_changed", "note.added", "contact.upserted")) as fc.Arbitrary<
        ValidMessage["type"]
      >,
      signer: fc.constantFrom("es256", "eddsa", "other") as fc.Arbitrary<"es256" | "eddsa" | "other">,
      audArray: fc.boolean(),
      jtiPrefix: fc.constantFrom(...ODD_JTI_PREFIXES),
      sub: fc.option(fc.constantFrom("#", "\uD800", "s".repeat(256), "ключ", " "), {
        nil: undefined,
        freq: 4,
      }),
    })
    .chain(({ type, signer, audArray, jtiPrefix, sub }) => {
      const jti = jtiOf ? jtiOf() : nextJti(s, jtiPrefix);
      const schema = registry.get(type, type === "contact.upserted" ? 2 : 1)!.schema;
      // Odd text is drawn freely; what the schema refuses (a tab in a one-line label) is drawn again.
      const data = (validData(type, jti, account) as fc.Arbitrary<Record<string, unknown>>).filter(
        (d) => schema.safeParse(d).success,
      );
      return data.map((data) => {
        const iss = signer === "other" ? s.otherIssuer : s.issuer;
        const iat = s.now() - 30;
        const claims = {
          iss,
          aud: audArray ? ["someone-else", s.audience] : s.audience,
          iat,
          exp: iat + 7 * 86400,
          jti,
          type,
          v: type === "contact.upserted" ? 2 : 1,
          data,
          sub: sub ?? account,
        };
        const token = sign(s, signer, claims);
        return { token, iss, jti, type, data } satisfies ValidMessage;
      });
    });
}

function forgeKey(s: FuzzSettings, signer: "es256" | "eddsa" | "other" | "untrusted"): ForgeKey {
  const jwk = s.keys[signer];
  return { alg: jwk.alg === "EdDSA" ? "EdDSA" : "ES256", privateJwk: jwk };
}

function sign(
  s: FuzzSettings,
  signer: "es256" | "eddsa" | "other" | "untrusted",
  claims: object | string,
  header?: object | string,
): string {
  const jwk = s.keys[signer];
  const key = forgeKey(s, signer);
  return forge(header ?? { alg: key.alg, kid: jwk.kid, typ: "kjp+jwt" }, claims, key);
}

// ---------------------------------------------------------------- hostile tokens

/**
 * Claims of a valid message made wrong in a way only a signed message can be: expired, a type or version
 * without a schema, data its schema refuses, a contact the processor refuses (updated after it was signed),
 * a lifetime above the maximum, signed in the future, not yet valid.
 */
function semanticallyWrong(
  s: FuzzSettings,
  account: string,
): fc.Arbitrary<{ claims: string; label: string }> {
  return fc
    .tuple(
      fc.oneof(validMessage(s, account), validMessage(s, account, undefined, "contact.upserted")),
      fc.constantFrom(
        "expired",
        "unknown type",
        "unknown version",
        "data refused",
        "data too big",
        "data wide",
        "processor refusal",
        "lifetime",
        "future iat",
        "future nbf",
        "proto in data",
      ),
    )
    .map(([m, how]) => {
      const c = JSON.parse(Buffer.from(m.token.split(".")[1]!, "base64url").toString("utf8")) as Record<
        string,
        unknown
      > & { data: Record<string, unknown> };
      const now = s.now();
      switch (how) {
        case "expired":
          Object.assign(c, { iat: now - 9 * 86400, exp: now - 2 * 86400 });
          break;
        case "unknown type":
          c.type = "contact.deleted";
          break;
        case "unknown version":
          c.v = 99;
          break;
        case "data refused":
          c.data = { ...c.data, accountId: "" };
          break;
        case "data too big":
          c.data = { ...c.data, body: "b".repeat(HUGE), givenName: "g".repeat(HUGE) };
          break;
        case "data wide":
          c.data = { ...c.data, ...wide(3000) };
          break;
        case "processor refusal":
          // Only contacts have a processor that refuses (half the cases here are contacts); others are applied.
          c.data = { ...c.data, updatedAt: new Date((now + 86400) * 1000).toISOString() };
          break;
        case "lifetime":
          c.exp = (c.iat as number) + 30 * 86400;
          break;
        case "future iat":
          Object.assign(c, { iat: now + 3600, exp: now + 7200 });
          break;
        case "future nbf":
          c.nbf = now + 3600;
          break;
        case "proto in data": {
          const text = JSON.stringify(c).replace('"data":{', '"data":{"__proto__":{"admin":true},');
          return { claims: text, label: `signed, ${how}` };
        }
      }
      return { claims: JSON.stringify(c), label: `signed, ${how}` };
    });
}

/** Claims of a valid message, then up to three members replaced by hostile values or removed. */
function mutatedClaims(s: FuzzSettings, account: string): fc.Arbitrary<string> {
  const names = ["iss", "aud", "iat", "exp", "jti", "type", "v", "data", "sub", "nbf", "extra", "__proto__"];
  return fc
    .record({
      base: validMessage(s, account),
      mutations: fc.array(
        fc.record({
          name: fc.constantFrom(...names),
          value: fc.option(hostileValue(), { nil: undefined, freq: 5 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      dataMutation: fc.option(fc.record({ key: fc.string({ maxLength: 8 }), value: hostileValue() }), {
        nil: undefined,
      }),
      rawNumber: fc.option(
        fc.record({ name: fc.constantFrom("v", "iat", "exp", "extra"), n: fc.constantFrom(...RAW_NUMBERS) }),
        {
          nil: undefined,
          freq: 4,
        },
      ),
    })
    .map(({ base, mutations, dataMutation, rawNumber }) => {
      const claims = JSON.parse(
        Buffer.from(base.token.split(".")[1]!, "base64url").toString("utf8"),
      ) as Record<string, unknown>;
      for (const m of mutations) {
        if (m.value === undefined) delete claims[m.name];
        else if (m.name === "__proto__")
          Object.defineProperty(claims, "__proto__", {
            value: m.value,
            enumerable: true,
            configurable: true,
            writable: true,
          });
        else claims[m.name] = m.value;
      }
      if (dataMutation && typeof claims.data === "object" && claims.data !== null)
        (claims.data as Record<string, unknown>)[dataMutation.key] = dataMutation.value;
      if (rawNumber) claims[rawNumber.name] = RAW_MARKER;
      let text = JSON.stringify(claims);
      if (rawNumber) text = text.replace(JSON.stringify(RAW_MARKER), rawNumber.n);
      return text;
    });
}

const HEADERS: (s: FuzzSettings) => fc.Arbitrary<object | string> = (s) =>
  fc.oneof(
    fc.record(
      {
        alg: fc.constantFrom("ES256", "EdDSA", "HS256", "none", "RS256", "ES384", "es256", ""),
        kid: fc.oneof(
          fc.constantFrom(s.keys.es256.kid!, s.keys.eddsa.kid!, s.keys.other.kid!, s.keys.untrusted.kid!),
          fc.constantFrom("../../etc/passwd", "' OR 1=1 --", "k".repeat(300), "", "\uD800"),
          fc.string({ maxLength: 12 }),
        ),
        typ: fc.constantFrom("kjp+jwt", "JWT", "KJP+JWT", "kjp+jwt ", "kjp-access+jwt"),
        crit: fc.constant(["exp"]),
        jku: fc.constant("https://evil.example/jwks"),
        jwk: fc.constant({ kty: "oct", k: "AAAA" }),
        b64: fc.constant(false),
      },
      { requiredKeys: [] },
    ),
    fc.constantFrom(
      `{"alg":"none","kid":"x","typ":"kjp+jwt","alg":"ES256"}`,
      `{"alg":"ES256","kid":"${s.keys.es256.kid}","typ":${"[".repeat(40)}${"]".repeat(40)}}`,
      `{"alg":"ES256","kid":"${s.keys.es256.kid}","typ":"kjp+jwt","pad":"${"p".repeat(5000)}"}`,
      `[]`,
      `"kjp+jwt"`,
      `{"alg":"ES256","kid":"${s.keys.es256.kid}","typ":"kjp+jwt"}\u0000`,
    ),
  );

/** Byte-level damage to a token or record: cut, extended, flipped, re-segmented, re-encoded. */
const damage = fc.oneof(
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("append" as const),
    tail: fc.oneof(
      fc.constantFrom("\n", " ", "=", "==", ".", ".x", "\u0000", ".eyJ9.e30"),
      fc.uint8Array({ minLength: 1, maxLength: 32 }).map((b) => Buffer.from(b).toString("latin1")),
    ),
  }),
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant("signature" as const),
    sig: fc.oneof(
      fc.constantFrom(
        "",
        "AAAA",
        b64url(new Uint8Array(64)),
        b64url(new Uint8Array(65)),
        "A".repeat(86) + "==",
      ),
      fc.uint8Array({ maxLength: 80 }).map(b64url),
    ),
  }),
  fc.record({ op: fc.constant("segments" as const), count: fc.constantFrom(1, 2, 4, 5) }),
  fc.record({ op: fc.constant("base64" as const), to: fc.constantFrom("std", "padded") }),
);

function applyDamage(token: string, d: DamageOp): Buffer {
  const bytes = Buffer.from(token, "latin1");
  switch (d.op) {
    case "truncate":
      return bytes.subarray(0, d.at % Math.max(1, bytes.length));
    case "append":
      return Buffer.concat([bytes, Buffer.from(d.tail, "latin1")]);
    case "flip": {
      const out = Buffer.from(bytes);
      const i = d.at % out.length;
      out[i] = out[i]! ^ (1 << d.bit);
      return out;
    }
    case "signature":
      return Buffer.from(`${token.slice(0, token.lastIndexOf(".") + 1)}${d.sig}`, "latin1");
    case "segments": {
      const parts = token.split(".");
      const out = d.count <= 3 ? parts.slice(0, d.count) : [...parts, ...parts].slice(0, d.count);
      return Buffer.from(out.join("."), "latin1");
    }
    case "base64": {
      const parts = token
        .split(".")
        .map((p) => Buffer.from(p, "base64url").toString("base64"))
        .map((p) => (d.to === "std" ? p.replace(/=+$/, "") : p));
      return Buffer.from(parts.join("."), "latin1");
    }
  }
}

type DamageOp =
  | { op: "truncate"; at: number }
  | { op: "append"; tail: string }
  | { op: "flip"; at: number; bit: number }
  | { op: "signature"; sig: string }
  | { op: "segments"; count: 1 | 2 | 4 | 5 }
  | { op: "base64"; to: "std" | "padded" };

type Hostile = { data: Buffer; label: string; trustedSignature: boolean };

/** A hostile token or record; `trustedSignature` when a trusted key really signed these bytes. */
export function hostileToken(s: FuzzSettings, account: string): fc.Arbitrary<Hostile> {
  return fc.oneof(
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          { weight: 9, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
          {
            weight: 1,
            arbitrary: fc
              .integer({ min: 64 * 1024, max: 1024 * 1024 + 64 })
              .map((n) => new Uint8Array(n).fill(0x41)),
          },
        )
        .map((b) => ({ data: Buffer.from(b), label: `garbage ${b.length} bytes`, trustedSignature: false })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(validMessage(s, account), damage).map(([m, d]) => {
        const data = applyDamage(m.token, d as DamageOp);
        return { data, label: `damaged (${(d as DamageOp).op})`, trustedSignature: false };
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          HEADERS(s),
          validMessage(s, account),
          fc.constantFrom("es256", "eddsa", "untrusted", "keep") as fc.Arbitrary<
            "es256" | "eddsa" | "untrusted" | "keep"
          >,
        )
        .map(([header, m, signer]) => {
          const [, payload, sig] = m.token.split(".");
          const h = b64url(typeof header === "string" ? header : JSON.stringify(header));
          // `keep`: the original signature under another header (a header swap); else re-signed under that header.
          if (signer === "keep")
            return {
              data: Buffer.from(`${h}.${payload}.${sig}`),
              label: "header swapped",
              trustedSignature: false,
            };
          const token = sign(s, signer, Buffer.from(payload!, "base64url").toString("utf8"), header);
          return {
            data: Buffer.from(token),
            label: `header variant signed by ${signer}`,
            trustedSignature: signer !== "untrusted",
          };
        }),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          mutatedClaims(s, account),
          fc.constantFrom("es256", "eddsa", "other", "untrusted") as fc.Arbitrary<
            "es256" | "eddsa" | "other" | "untrusted"
          >,
        )
        .map(([claims, signer]) => ({
          data: Buffer.from(sign(s, signer, claims)),
          label: `mutated claims signed by ${signer}`,
          trustedSignature: signer !== "untrusted",
        })),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          semanticallyWrong(s, account),
          fc.constantFrom("es256", "eddsa", "other") as fc.Arbitrary<"es256" | "eddsa" | "other">,
        )
        .map(([{ claims, label }, signer]) => {
          // billing-rails' key signs only billing-rails' messages.
          const text =
            signer === "other"
              ? claims.replace(`"iss":"${s.issuer}"`, `"iss":"${s.otherIssuer}"`)
              : claims.replace(`"iss":"${s.otherIssuer}"`, `"iss":"${s.issuer}"`);
          return { data: Buffer.from(sign(s, signer, text)), label, trustedSignature: true };
        }),
    },
    {
      weight: 1,
      // A trusted key of one issuer signing for the other (kid of another issuer), and HS256 keyed with a public key.
      arbitrary: validMessage(s, account).map((m) => {
        const claims = Buffer.from(m.token.split(".")[1]!, "base64url").toString("utf8");
        const crossed = forge(
          { alg: "ES256", kid: s.keys.other.kid, typ: "kjp+jwt" },
          claims.replace(`"iss":"${s.otherIssuer}"`, `"iss":"${s.issuer}"`),
          forgeKey(s, "other"),
        );
        return { data: Buffer.from(crossed), label: "cross-issuer kid", trustedSignature: false };
      }),
    },
    {
      weight: 1,
      arbitrary: validMessage(s, account).map((m) => {
        const claims = Buffer.from(m.token.split(".")[1]!, "base64url").toString("utf8");
        const token = forge({ alg: "HS256", kid: s.keys.es256.kid, typ: "kjp+jwt" }, claims, {
          alg: "HS256",
          secret: Buffer.from(
            JSON.stringify({ kty: "EC", crv: "P-256", x: s.keys.es256.x, y: s.keys.es256.y }),
          ),
        });
        return {
          data: Buffer.from(token),
          label: "HS256 keyed with the public key",
          trustedSignature: false,
        };
      }),
    },
  );
}

// ---------------------------------------------------------------- KPL aggregates

const AGG_KEYS = (account: string) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(account) },
    { weight: 1, arbitrary: fc.constantFrom("#", "%", "k#1%23", "ключ", "🔑", "p".repeat(256)) },
  );

function aggregate(s: FuzzSettings, account: string): fc.Arbitrary<RecordSpec> {
  return fc
    .record({
      partitionKeys: fc.array(AGG_KEYS(account), { minLength: 1, maxLength: 3 }),
      users: fc.array(
        fc.record({
          keyIndex: fc.nat(),
          user: fc.oneof(
            {
              weight: 2,
              arbitrary: validMessage(s, account).map((message) => ({ kind: "valid" as const, message })),
            },
            {
              weight: 1,
              arbitrary: hostileToken(s, account).map((h) => ({
                kind: "hostile" as const,
                data: h.data,
                trustedSignature: h.trustedSignature,
              })),
            },
          ),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    })
    .map(({ partitionKeys, users }) => ({
      kind: "aggregate" as const,
      partitionKeys,
      users: users.map(({ keyIndex, user }) => ({ ...user, keyIndex: keyIndex % partitionKeys.length })),
      label: `aggregate of ${users.length}`,
    }));
}

export function encodeSpecAggregate(spec: Extract<RecordSpec, { kind: "aggregate" }>): Buffer {
  return encodeAggregate({
    partitionKeys: spec.partitionKeys,
    records: spec.users.map((u) => ({
      partitionKeyIndex: u.keyIndex,
      data: u.kind === "valid" ? Buffer.from(u.message.token) : u.data,
    })),
  });
}

/** Aggregates that must be rejected whole as `aggregate`. */
function corruptAggregate(s: FuzzSettings, account: string): fc.Arbitrary<RecordSpec> {
  return fc
    .tuple(
      validMessage(s, account),
      fc.constantFrom(
        "digest",
        "truncated",
        "index out of range",
        "empty key",
        "no records",
        "bad protobuf",
        "magic only",
        "hash key",
        "invalid utf-8 key",
      ),
      fc.nat(),
    )
    .map(([m, how, n]) => {
      const token = Buffer.from(m.token);
      let data: Buffer;
      switch (how) {
        case "digest": {
          data = encodeAggregate({
            partitionKeys: [account],
            records: [{ partitionKeyIndex: 0, data: token }],
          });
          data[data.length - 1] = data[data.length - 1]! ^ 1;
          break;
        }
        case "truncated": {
          const whole = encodeAggregate({
            partitionKeys: [account],
            records: [{ partitionKeyIndex: 0, data: token }],
          });
          data = whole.subarray(0, 4 + (n % (whole.length - 4)));
          break;
        }
        case "index out of range":
          data = encodeAggregate({
            partitionKeys: [account],
            records: [{ partitionKeyIndex: 1 + (n % 5), data: token }],
          });
          break;
        case "empty key":
          data = encodeAggregate({ partitionKeys: [""], records: [{ partitionKeyIndex: 0, data: token }] });
          break;
        case "no records":
          data = encodeAggregate({ partitionKeys: [account], records: [] });
          break;
        case "hash key":
          data = encodeAggregate({
            partitionKeys: [account],
            explicitHashKeys: [n % 2 ? "-1" : (1n << 128n).toString()],
            records: [{ partitionKeyIndex: 0, explicitHashKeyIndex: 0, data: token }],
          });
          break;
        case "bad protobuf": {
          const body = Buffer.from([0x1a, 0x05, 0x08, 0x00]); // a record field whose length runs past the end
          data = Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, md5(body)]);
          break;
        }
        case "magic only":
          data = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
          break;
        case "invalid utf-8 key": {
          // A partition key table entry of CESU-8 surrogate bytes (ED A0 80): not UTF-8; must not become a key.
          // The user record is junk, so the record is rejected whichever way the key is read.
          const ok = encodeAggregate({
            partitionKeys: ["\u0001\u0001\u0001"],
            records: [{ partitionKeyIndex: 0, data: Buffer.from("not a token") }],
          });
          const body = Buffer.from(ok.subarray(4, ok.length - 16));
          const at = body.indexOf(Buffer.from([1, 1, 1]));
          body.set([0xed, 0xa0, 0x80], at);
          data = Buffer.concat([ok.subarray(0, 4), body, md5(body)]);
          return { kind: "aggregate-bytes" as const, data, how };
        }
      }
      return { kind: "corrupt" as const, data, how };
    })
    .map((r) =>
      r.kind === "corrupt"
        ? ({ kind: "corrupt-aggregate", data: r.data, label: `corrupt aggregate (${r.how})` } as RecordSpec)
        : ({
            kind: "hostile",
            data: r.data,
            label: `aggregate (${r.how})`,
            trustedSignature: false,
          } as RecordSpec),
    );
}

/**
 * Two distinct valid messages whose ids differ only where one has a lone surrogate and the other a `?` or
 * another lone surrogate: distinct strings, so two messages, each applied once. (A store that keeps keys as
 * UTF-8 cannot tell such ids apart unless the ledger key tells them apart.)
 */
function siblings(s: FuzzSettings, account: string): fc.Arbitrary<RecordSpec> {
  return fc
    .constantFrom(["\uD800", "?"], ["\uD800", "\uDC00"], ["x\uDFFF", "x?"], ["\uDBFF#", "\uD83D#"])
    .chain(([a, b]) => {
      const base = nextJti(s);
      return fc.tuple(
        validMessage(s, account, () => `${a}${base}`),
        validMessage(s, account, () => `${b}${base}`),
      );
    })
    .map((messages) => ({ kind: "siblings" as const, messages, label: "sibling ids" }));
}

// ---------------------------------------------------------------- batches

/** Plain-record partition keys: a few per batch, including ones that are awkward as DynamoDB key parts. */
const PARTITION_KEYS = (account: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(account, `${account}-2`, `${account}-3`) },
    { weight: 1, arbitrary: fc.constantFrom("#", "%25", "a#b%23c", "ключ", "🔑", "k".repeat(256), " ") },
  );

/**
 * One batch: 1 to `maxRecords` records over a few partition keys; valid messages, re-sends of earlier valid
 * messages (the same bytes, or the other ECDSA spelling), hostile records and aggregates, in random order.
 * `account` is the batch's own account, so its deal totals can be checked exactly.
 */
export function batch(s: FuzzSettings, account: string, maxRecords: number): fc.Arbitrary<BatchSpec> {
  const record: fc.Arbitrary<RecordSpec> = fc.oneof(
    {
      weight: 4,
      arbitrary: validMessage(s, account).map((message) => ({
        kind: "valid" as const,
        message,
        label: `valid ${message.type}`,
      })),
    },
    {
      weight: 2,
      arbitrary: fc.record({ pick: fc.nat(), twin: fc.boolean() }).map(({ pick, twin }) => ({
        kind: "resend" as const,
        pick,
        twin,
        label: twin ? "re-sent (other ECDSA spelling)" : "re-sent",
      })),
    },
    { weight: 8, arbitrary: hostileToken(s, account).map((h) => ({ kind: "hostile" as const, ...h })) },
    {
      weight: 1,
      arbitrary: fc
        .nat()
        .map((pick) => ({ kind: "resend-hostile" as const, pick, label: "hostile re-sent" })),
    },
    { weight: 1, arbitrary: aggregate(s, account) },
    { weight: 1, arbitrary: siblings(s, account) },
    { weight: 1, arbitrary: corruptAggregate(s, account) },
  );
  const small = fc
    .array(fc.record({ spec: record, partitionKey: PARTITION_KEYS(account) }), {
      minLength: 1,
      maxLength: maxRecords,
    })
    .map((records) => ({ records }));
  // Now and then a large batch: junk whose raw copies are kept whole (about 64 KB each, so a transaction of them
  // would pass DynamoDB's 4 MB), over more than 100 partition keys (more than one lookup request) or all on one.
  const junk = fc.integer({ min: 30_000, max: 49_000 }).map((n): RecordSpec => ({
    kind: "hostile",
    data: Buffer.alloc(n, 0x2e),
    label: `junk ${n} bytes`,
    trustedSignature: false,
  }));
  const large = fc
    .record({
      specs: fc.array(fc.oneof({ weight: 3, arbitrary: record }, { weight: 1, arbitrary: junk }), {
        minLength: 50,
        maxLength: 150,
      }),
      hot: fc.boolean(),
    })
    .map(({ specs, hot }) => ({
      records: specs.map((spec, i) => ({ spec, partitionKey: hot ? account : `${account}-w${i}` })),
    }));
  return fc.oneof({ weight: 39, arbitrary: small }, { weight: 1, arbitrary: large });
}
