import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSigningKey } from "../signing-keys.js";
import { loadKeySet, normaliseKeySetSource } from "./load-key-set.js";
import { createRefreshingKeySet } from "./refreshing-key-set.js";
import { httpJwks } from "./remote-sources.js";

let jwks: string;
let privateJwks: string;
beforeAll(async () => {
  const es = await generateSigningKey("ES256", "es-1");
  const ed = await generateSigningKey("EdDSA", "ed-1");
  jwks = JSON.stringify({ keys: [es.publicJwk, ed.publicJwk] });
  privateJwks = JSON.stringify({ keys: [es.privateJwk] });
});

describe("local sources", () => {
  test("file:, env: and literal JSON resolve keys bound to their alg", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kjp-ks-"));
    writeFileSync(join(dir, "jwks.json"), jwks);
    process.env.KJP_TEST_JWKS = jwks;
    for (const source of [`file:${join(dir, "jwks.json")}`, "env:KJP_TEST_JWKS", jwks]) {
      const set = loadKeySet(source);
      expect(await set.resolve("es-1")).toMatchObject({ kid: "es-1", alg: "ES256" });
      expect(await set.resolve("ed-1")).toMatchObject({ kid: "ed-1", alg: "EdDSA" });
      expect(await set.resolve("missing")).toBeUndefined();
      expect(await set.resolve("__proto__")).toBeUndefined();
    }
    delete process.env.KJP_TEST_JWKS;
  });

  test("peek answers a key only once resolve has imported it, and never an unknown kid", async () => {
    const set = loadKeySet(jwks);
    expect(set.peek?.("es-1")).toBeUndefined();
    const resolved = await set.resolve("es-1");
    expect(set.peek?.("es-1")).toBe(resolved);
    expect(set.peek?.("ed-1")).toBeUndefined();
    expect(set.peek?.("missing")).toBeUndefined();
    expect(set.peek?.("__proto__")).toBeUndefined();
  });

  test("a bare path is a file, as in `kjp verify --keys` and KJP_ISSUERS alike", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kjp-ks-"));
    writeFileSync(join(dir, "jwks.json"), jwks);
    expect(await loadKeySet(join(dir, "jwks.json")).resolve("es-1")).toMatchObject({ kid: "es-1" });
    expect(normaliseKeySetSource("keys/jwks.json")).toBe("file:keys/jwks.json");
    expect(normaliseKeySetSource(" ./jwks.json ")).toBe("file:./jwks.json");
    expect(normaliseKeySetSource("ssm:/kjp/prod/jwks")).toBe("ssm:/kjp/prod/jwks");
    expect(() => loadKeySet("/nonexistent/jwks.json")).toThrow(
      /key set file \/nonexistent\/jwks.json cannot be read/,
    );
  });

  test.each([
    ["missing file", () => "file:/nonexistent/jwks.json", /cannot be read/],
    ["unset env var", () => "env:KJP_TEST_UNSET_VAR", /is not set/],
    ["unknown scheme", () => "ftp://x/jwks.json", /not recognised/],
    ["plain http to a remote host", () => "http://keys.example.com/jwks.json", /plain http/],
    ["not JSON", () => "{nope", /not JSON/],
    ["not a JWKS", () => '{"kty":"EC"}', /not a JWKS/],
    [
      "a key without kid",
      () => JSON.stringify({ keys: [{ ...JSON.parse(jwks).keys[0], kid: undefined }] }),
      /no kid/,
    ],
    [
      "a key without alg",
      () => JSON.stringify({ keys: [{ ...JSON.parse(jwks).keys[0], alg: undefined }] }),
      /has alg undefined/,
    ],
    [
      "a key whose type does not fit its alg",
      () => JSON.stringify({ keys: [{ ...JSON.parse(jwks).keys[1], alg: "ES256" }] }),
      /needs EC\/P-256/,
    ],
    [
      "a duplicate kid",
      () => JSON.stringify({ keys: [JSON.parse(jwks).keys[0], JSON.parse(jwks).keys[0]] }),
      /twice/,
    ],
    ["a private key", () => privateJwks, /private key/],
    [
      "an invalid point",
      () => JSON.stringify({ keys: [{ ...JSON.parse(jwks).keys[0], x: "AAAA" }] }),
      /not a valid ES256 public key/,
    ],
    [
      "a short HS256 secret",
      () => JSON.stringify({ keys: [{ kty: "oct", k: "c2hvcnQ", kid: "h", alg: "HS256" }] }),
      /at least 32 bytes/,
    ],
  ])("%s is a ConfigurationError", (_name, source, message) => {
    expect(() => loadKeySet(source())).toThrow(
      expect.objectContaining({ code: "configuration", message: expect.stringMatching(message) }),
    );
  });
});

describe("HTTP JWKS (loopback)", () => {
  let server: Server;
  let hits = 0;
  let body = "";
  let delayMs = 0;
  let status = 200;
  let base = "";
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body);
      }, delayMs);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    hits = 0;
    delayMs = 0;
    status = 200;
    body = jwks;
  });

  test("loadKeySet fetches an http(s) JWKS once and caches it", async () => {
    const set = loadKeySet(base);
    const [a, b] = await Promise.all([set.resolve("es-1"), set.resolve("ed-1")]);
    expect(a?.alg).toBe("ES256");
    expect(b?.alg).toBe("EdDSA");
    expect(await set.resolve("es-1")).toBe(a);
    expect(hits).toBe(1);
  });

  test("an unknown kid refetches at most once per cooldown; unchanged keys are not imported again", async () => {
    let clock = 1_000_000;
    const set = createRefreshingKeySet("test JWKS", httpJwks(new URL(base)), {
      cooldownMs: 30_000,
      cacheTtlMs: 300_000,
      now: () => clock,
    });
    const first = await set.resolve("es-1");
    expect(hits).toBe(1);
    expect(await set.resolve("rotated")).toBeUndefined();
    expect(hits).toBe(1); // within the cooldown: a junk kid costs nothing
    const rotated = await generateSigningKey("EdDSA", "rotated");
    body = JSON.stringify({ keys: [...JSON.parse(jwks).keys, rotated.publicJwk] });
    clock += 30_000;
    expect(await set.resolve("rotated")).toMatchObject({ kid: "rotated", alg: "EdDSA" });
    expect(hits).toBe(2);
    expect((await set.resolve("es-1"))?.key).toBe(first?.key);
    clock += 300_000; // cache TTL over: refetched once more
    await set.resolve("es-1");
    expect(hits).toBe(3);
  });

  test("a timeout with no cached copy is a TransientError", async () => {
    delayMs = 500;
    const set = loadKeySet(base, { fetchTimeoutMs: 50 });
    await expect(set.resolve("es-1")).rejects.toMatchObject({ code: "key_set_unavailable", retryable: true });
  });

  test("an HTTP error with no cached copy is a TransientError; with a cached copy the old keys keep working", async () => {
    status = 503;
    const failing = loadKeySet(base);
    await expect(failing.resolve("es-1")).rejects.toMatchObject({
      code: "key_set_unavailable",
      message: expect.stringMatching(/503/),
    });

    status = 200;
    const set = loadKeySet(base, { cacheTtlMs: 1, cooldownMs: 0 });
    expect(await set.resolve("es-1")).toBeDefined();
    status = 503;
    await new Promise((r) => setTimeout(r, 5));
    expect(await set.resolve("es-1")).toBeDefined();
  });
});
