import { createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JWK } from "jose";
import { startPipelineSession, type PipelineSession } from "../../../dev/demo/pipeline-session.js";
import { createAccessTokenSigner, type AccessTokenSigner } from "../../../lib/envelope/sign-access-token.js";
import { createSigner } from "../../../lib/envelope/sign.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { forge } from "../../../lib/envelope/testing/forge.js";

/**
 * Every authorizer outcome through the local HTTP API (serverless.yml's routes, the real authorizer and route
 * handlers, DynamoDB Local and kinesis-mock behind them): status and reason code as the browser sees them.
 */
const ISSUER = "crm-rails";
const ACCOUNT = "acc_HTTPIT01";
const USER = "usr_HTTPIT01";
let dir: string;
let session: PipelineSession;
let url: string;
let audience: string;
let key: { privateJwk: JWK; publicJwk: JWK };
let signer: AccessTokenSigner;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kjp-http-it-"));
  key = await generateSigningKey("ES256", "crm-rails-it");
  writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [key.publicJwk] }));
  session = await startPipelineSession({
    keysDir: join(dir, "session"),
    httpPort: 0,
    accessIssuers: JSON.stringify([{ issuer: ISSUER, keys: `file:${join(dir, "jwks.json")}` }]),
    log: () => undefined,
  });
  url = session.httpApi!.url;
  audience = session.httpApi!.audience;
  signer = await createAccessTokenSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience });
}, 120_000);

afterAll(async () => {
  await session?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const token = (o: { scopes?: string[]; account?: string; ttlSeconds?: number; now?: number } = {}) =>
  signer.sign({
    sub: USER,
    account: o.account ?? ACCOUNT,
    scopes: o.scopes ?? ["pipeline:read", "notes:write"],
    ...(o.ttlSeconds === undefined ? {} : { ttlSeconds: o.ttlSeconds }),
    ...(o.now === undefined ? {} : { now: o.now }),
  });

async function get(path: string, bearer?: string) {
  const r = await fetch(`${url}${path}`, {
    headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const pipeline = `/accounts/${ACCOUNT}/pipeline`;
const hdr = (extra: Record<string, unknown> = {}) => ({
  alg: "ES256",
  kid: "crm-rails-it",
  typ: "kjp-access+jwt",
  ...extra,
});
const claims = (extra: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: audience,
    iat: now,
    exp: now + 300,
    jti: `j-${Math.random()}`,
    sub: USER,
    account: ACCOUNT,
    scope: "pipeline:read",
    ...extra,
  };
};

test("a valid token reads its own account's pipeline", async () => {
  expect(await get(pipeline, await token())).toMatchObject({ status: 200, body: { accountId: ACCOUNT } });
});

test("no token: the gateway's own 401, the authorizer is not called", async () => {
  const calls = session.httpApi!.authorizerCalls.accessToken ?? 0;
  expect(await get(pipeline)).toEqual({ status: 401, body: { message: "Unauthorized" } });
  expect(session.httpApi!.authorizerCalls.accessToken ?? 0).toBe(calls);
});

test.each([
  ["expired", async () => token({ ttlSeconds: 60, now: Math.floor(Date.now() / 1000) - 600 }), "expired"],
  [
    "wrong audience",
    async () =>
      forge(hdr(), claims({ aud: "kinesis-jwt-pipeline" }), { alg: "ES256", privateJwk: key.privateJwk }),
    "claims",
  ],
  [
    "lifetime of a day",
    async () =>
      forge(hdr(), claims({ exp: Math.floor(Date.now() / 1000) + 86_400 }), {
        alg: "ES256",
        privateJwk: key.privateJwk,
      }),
    "claims",
  ],
  [
    "a queue message presented as an access token",
    async () =>
      (await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience })).sign({
        type: "note.added",
        v: 1,
        data: {},
        sub: ACCOUNT,
      }),
    "header",
  ],
  ["alg none", async () => forge(hdr({ alg: "none" }), claims(), { alg: "none" }), "header"],
  [
    "HS256 keyed with the public key",
    async () => {
      const der = createPublicKey({
        key: key.publicJwk as import("node:crypto").JsonWebKey,
        format: "jwk",
      }).export({ format: "der", type: "spki" });
      return forge(hdr({ alg: "HS256" }), claims(), { alg: "HS256", secret: der });
    },
    "header",
  ],
  [
    "an embedded jwk",
    async () => forge(hdr({ jwk: key.publicJwk }), claims(), { alg: "ES256", privateJwk: key.privateJwk }),
    "header",
  ],
  [
    "unknown kid",
    async () => forge(hdr({ kid: "other" }), claims(), { alg: "ES256", privateJwk: key.privateJwk }),
    "unknown_key",
  ],
  [
    "EdDSA header on the ES256 key",
    async () => forge(hdr({ alg: "EdDSA" }), claims(), { alg: "ES256", privateJwk: key.privateJwk }),
    "unknown_key",
  ],
  [
    "signed by another key under the trusted kid",
    async () =>
      forge(hdr(), claims(), {
        alg: "ES256",
        privateJwk: (await generateSigningKey("ES256", "x")).privateJwk,
      }),
    "bad_signature",
  ],
] as const)("%s is refused with 401 and its reason", async (_name, make, reason) => {
  const r = await get(pipeline, await make());
  expect([r.status, r.body.error]).toEqual([401, reason]);
});

test("missing scope: 403 missing_scope", async () => {
  const r = await get(pipeline, await token({ scopes: ["notes:write"] }));
  expect([r.status, r.body.error]).toEqual([403, "missing_scope"]);
});

test("another account's id: 403 forbidden_account", async () => {
  const r = await get("/accounts/acc_SOMEONE9/pipeline", await token());
  expect([r.status, r.body.error]).toEqual([403, "forbidden_account"]);
});

test("the gateway caches the authorizer's result per token", async () => {
  const t = await token();
  const before = session.httpApi!.authorizerCalls.accessToken ?? 0;
  for (let i = 0; i < 3; i++) expect((await get(pipeline, t)).status).toBe(200);
  expect(session.httpApi!.authorizerCalls.accessToken).toBe(before + 1);
});

test("POST /notes: 202 at once, then the consumer applies it; invalid notes are 400 with the schema's issues", async () => {
  const t = await token();
  const noteId = `note_IT${Date.now().toString(36).toUpperCase()}`;
  const note = {
    noteId,
    accountId: ACCOUNT,
    authorId: USER,
    body: "hi",
    mentions: [],
    createdAt: new Date().toISOString(),
    notify: false,
  };
  const post = (body: unknown, bearer = t) =>
    fetch(`${url}/notes`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const r = await post(note);
  expect(r.status).toBe(202);
  const { jti } = (await r.json()) as { jti: string };
  const deadline = Date.now() + 30_000;
  let notes: { noteId: string; sourceJti: string }[] = [];
  while (Date.now() < deadline && !notes.some((n) => n.noteId === noteId)) {
    notes = ((await get(pipeline, t)).body.notes ?? []) as typeof notes;
    await new Promise((res) => setTimeout(res, 200));
  }
  expect(notes).toContainEqual(expect.objectContaining({ noteId, sourceJti: jti }));

  const invalid = await post({ ...note, mentions: ["usr_MENTION01", "usr_MENTION01"] });
  expect(invalid.status).toBe(400);
  expect(await invalid.json()).toMatchObject({
    error: "invalid_payload",
    issues: [expect.objectContaining({ path: "mentions" })],
  });
  expect((await post("{not json")).status).toBe(400);
  expect((await post({ ...note, authorId: "usr_SOMEONE9" })).status).toBe(403);
  const readOnly = await post(note, await token({ scopes: ["pipeline:read"] }));
  expect([readOnly.status, ((await readOnly.json()) as { error: string }).error]).toEqual([
    403,
    "missing_scope",
  ]);
});

test("the session trusts the API's own key for messages, never for access tokens", async () => {
  const apiKey = JSON.parse(readFileSync(join(dir, "session", "private.http-api.json"), "utf8")) as JWK;
  const forged = await (
    await createAccessTokenSigner({ privateJwk: apiKey, issuer: "demo-http-api", audience })
  ).sign({ sub: USER, account: ACCOUNT, scopes: ["pipeline:read"] });
  const r = await get(pipeline, forged);
  expect([r.status, r.body.error]).toEqual([401, "claims"]);
});
