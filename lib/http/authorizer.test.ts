import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createAccessTokenVerifier } from "../envelope/access-token.js";
import { parseJwks } from "../envelope/keysets/jwks.js";
import { createStaticKeySet } from "../envelope/keysets/static-key-set.js";
import { createAccessTokenSigner, type AccessTokenSigner } from "../envelope/sign-access-token.js";
import { generateSigningKey } from "../envelope/signing-keys.js";
import { createSigner } from "../envelope/sign.js";
import { createAuthorizer, type Authorizer } from "./authorizer.js";
import { bearerToken } from "./bearer.js";
import { guarded, type Route } from "./guard.js";
import { json } from "./responses.js";

const API = "crm-http-api";
const NOW_MS = 1_800_000_000_000;
let signer: AccessTokenSigner;
let messageSigner: Awaited<ReturnType<typeof createSigner>>;
let authorizer: Authorizer;
let verifications = 0;
let clock = NOW_MS;

beforeAll(async () => {
  const key = await generateSigningKey("EdDSA", "ed-1");
  signer = await createAccessTokenSigner({ privateJwk: key.privateJwk, issuer: "crm-rails", audience: API });
  messageSigner = await createSigner({ privateJwk: key.privateJwk, issuer: "crm-rails", audience: API });
  const verifier = createAccessTokenVerifier({
    audience: API,
    issuers: [
      {
        issuer: "crm-rails",
        keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [key.publicJwk] }), "t")),
      },
    ],
  });
  authorizer = createAuthorizer({
    verifier: { verify: (t, o) => (verifications++, verifier.verify(t, o)) },
    cacheSeconds: 300,
    cacheEntries: 2,
    nowMs: () => clock,
  });
});
beforeEach(() => {
  clock = NOW_MS;
  verifications = 0;
});

const headers = (token?: string): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };
const token = (o: { scopes?: string[]; ttlSeconds?: number; account?: string } = {}) =>
  signer.sign({
    sub: "usr_1",
    account: o.account ?? "acc_1",
    scopes: o.scopes ?? ["pipeline:read"],
    ttlSeconds: o.ttlSeconds ?? 300,
    now: NOW_MS / 1000,
  });

describe("authorizer", () => {
  test("a valid token: the verified claims become the context", async () => {
    expect(await authorizer.authorize({ headers: headers(await token()) })).toEqual({
      isAuthorized: true,
      context: expect.objectContaining({
        verdict: "allowed",
        sub: "usr_1",
        account: "acc_1",
        scope: "pipeline:read",
      }),
    });
  });
  test("refusals carry the contract's reason: missing, expired, a queue message, garbage", async () => {
    const reason = async (h: Record<string, string>) => (await authorizer.authorize({ headers: h })).context;
    expect(await reason({})).toMatchObject({ verdict: "denied", reason: "missing_token" });
    expect(await reason({ authorization: "Basic dXNlcjpwYXNz" })).toMatchObject({ reason: "missing_token" });
    expect(await reason(headers("x.y.z"))).toMatchObject({ reason: "malformed" });
    const message = await messageSigner.sign({ type: "note.added", v: 1, data: {}, now: NOW_MS / 1000 });
    expect(await reason(headers(message))).toMatchObject({ reason: "header" });
    const t = await token({ ttlSeconds: 60 });
    clock = NOW_MS + 121_000;
    expect(await reason(headers(t))).toMatchObject({ reason: "expired" });
  });
  test("a verified token is cached (by digest) until the earlier of the cache TTL and its exp", async () => {
    const t = await token({ ttlSeconds: 120 });
    await authorizer.authorize({ headers: headers(t) });
    await authorizer.authorize({ headers: headers(t) });
    expect(verifications).toBe(1);
    clock = NOW_MS + 181_000; // past exp and its clock tolerance: verified again, and now refused
    expect((await authorizer.authorize({ headers: headers(t) })).context).toMatchObject({
      reason: "expired",
    });
    expect(verifications).toBe(2);
  });
  test("the cache holds at most cacheEntries tokens", async () => {
    const [a, b, c] = await Promise.all(["acc_a", "acc_b", "acc_c"].map((account) => token({ account })));
    for (const t of [a, b, c, a]) await authorizer.authorize({ headers: headers(t!) });
    expect(verifications).toBe(4);
  });
});

describe("bearerToken", () => {
  test("reads only a Bearer authorization header, any case", () => {
    expect(bearerToken({ Authorization: "bearer abc.def.ghi" })).toBe("abc.def.ghi");
    expect(bearerToken({ authorization: "Bearer a b" })).toBeUndefined();
    expect(bearerToken({ authorization: `Bearer ${"a".repeat(5000)}` })).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe("guard", () => {
  const route: Route = {
    scope: "notes:write",
    handle: async (_e, caller) => json(200, { account: caller.account }),
  };
  const handler = guarded(route, () => clock);
  const event = (lambda: Record<string, unknown> | undefined) =>
    ({ requestContext: lambda ? { authorizer: { lambda } } : {} }) as unknown as APIGatewayProxyEventV2;
  const allowed = {
    verdict: "allowed",
    iss: "crm-rails",
    sub: "usr_1",
    account: "acc_1",
    jti: "j",
    exp: NOW_MS / 1000 + 60,
  };
  const bodyOf = (r: { body?: string }) => JSON.parse(r.body ?? "{}") as Record<string, unknown>;

  test("401 with the authorizer's reason, 401 without any context", async () => {
    const r = await handler(event({ verdict: "denied", reason: "bad_signature", detail: "d" }));
    expect([r.statusCode, bodyOf(r).error]).toEqual([401, "bad_signature"]);
    expect(r.headers?.["www-authenticate"]).toMatch(/invalid_token/);
    expect((await handler(event(undefined))).statusCode).toBe(401);
  });
  test("403 missing_scope; 200 with the scope", async () => {
    const r = await handler(event({ ...allowed, scope: "pipeline:read" }));
    expect([r.statusCode, bodyOf(r).error]).toEqual([403, "missing_scope"]);
    expect((await handler(event({ ...allowed, scope: "pipeline:read notes:write" }))).statusCode).toBe(200);
  });
  test("401 expired when the gateway's cached result outlives the token", async () => {
    clock = NOW_MS + 61_000;
    const r = await handler(event({ ...allowed, scope: "notes:write" }));
    expect([r.statusCode, bodyOf(r).error]).toEqual([401, "expired"]);
  });
  test("401 claims for an incomplete context", async () => {
    const r = await handler(event({ verdict: "allowed", scope: "notes:write" }));
    expect([r.statusCode, bodyOf(r).error]).toEqual([401, "claims"]);
  });
});
