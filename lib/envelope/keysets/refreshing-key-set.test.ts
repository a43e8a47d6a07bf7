import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { generateSigningKey } from "../signing-keys.js";
import { keySetOptionsFromEnv } from "../../config/verifier-config.js";
import { createRefreshingKeySet, type RefreshOptions } from "./refreshing-key-set.js";
import { httpJwks } from "./remote-sources.js";

// A real HTTP server on 127.0.0.1 whose answer each test chooses.
let server: Server;
let base: URL;
let hits = 0;
let answer: (res: ServerResponse) => void;
let jwks: string;

beforeAll(async () => {
  jwks = JSON.stringify({ keys: [(await generateSigningKey("ES256", "es-1")).publicJwk] });
  server = createServer((_req, res) => {
    hits++;
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  hits = 0;
  answer = (res) => res.writeHead(200, { "content-type": "application/json" }).end(jwks);
});

const failWith = (status: number) => (res: ServerResponse) => res.writeHead(status).end("no");
const keySet = (options: RefreshOptions) => createRefreshingKeySet("test JWKS", httpJwks(base), options);
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string; retryable?: boolean },
  );

/** Streams `total` bytes of a JSON-looking body as fast as the client reads; resolves with what was written. */
function endlessBody(total: number, declareLength: boolean): Promise<number> {
  return new Promise((resolve) => {
    answer = (res) => {
      res.writeHead(200, {
        "content-type": "application/json",
        ...(declareLength ? { "content-length": String(total) } : {}),
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let written = 0;
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (written >= total) res.end();
      };
      res.on("close", () => resolve(written));
      pump();
    };
  });
}

describe("response size cap", () => {
  test.each([
    ["streamed without a length", false, /above the 262144-byte limit/],
    ["declaring its length", true, /declares 314572800 bytes/],
  ])(
    "a 300 MB body %s is refused after reading at most a few MB, as key_set_unavailable",
    async (_name, declare, message) => {
      const written = endlessBody(300 * 1024 * 1024, declare);
      const error = await errorOf(keySet({}).resolve("es-1"));
      expect(error).toMatchObject({ code: "key_set_unavailable", retryable: true, message });
      // The server stops once the client drops the connection: nowhere near the 300 MB.
      expect(await written).toBeLessThan(16 * 1024 * 1024);
    },
  );

  test("the cap is configurable, and a JWKS below it is read", async () => {
    expect(await keySet({ maxBytes: jwks.length }).resolve("es-1")).toMatchObject({ kid: "es-1" });
    const error = await errorOf(keySet({ maxBytes: jwks.length - 1 }).resolve("es-1"));
    expect(error?.message).toMatch(new RegExp(`above the ${jwks.length - 1}-byte limit`));
  });
});

describe("negative caching", () => {
  test("with no cached copy and a failing source, 20 resolves within the cooldown make 1 request", async () => {
    answer = failWith(503);
    let clock = 1_000_000;
    const set = keySet({ failureCooldownMs: 10_000, now: () => clock });
    for (let i = 0; i < 10; i++) {
      expect(await errorOf(set.resolve(`kid-${i}`))).toMatchObject({
        code: "key_set_unavailable",
        message: expect.stringMatching(/HTTP 503 .*next attempt in \d+ s/),
      });
    }
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => errorOf(set.resolve("es-1"))));
    expect(concurrent.every((e) => e?.code === "key_set_unavailable")).toBe(true);
    expect(hits).toBe(1);

    clock += 10_000; // the cooldown is over: one more attempt, which now succeeds
    answer = (res) => res.writeHead(200).end(jwks);
    expect(await set.resolve("es-1")).toMatchObject({ kid: "es-1" });
    expect(hits).toBe(2);
  });

  test("with a cached copy, a failing refresh is retried once per failure cooldown while the copy serves", async () => {
    let clock = 1_000_000;
    const set = keySet({ cacheTtlMs: 60_000, failureCooldownMs: 10_000, now: () => clock });
    expect(await set.resolve("es-1")).toBeDefined();
    answer = failWith(500);
    clock += 60_000;
    for (let i = 0; i < 20; i++) expect(await set.resolve("es-1")).toBeDefined();
    expect(hits).toBe(2);
    clock += 10_000;
    expect(await set.resolve("es-1")).toBeDefined();
    expect(hits).toBe(3);
  });
});

describe("peek (the verifier's per-token path)", () => {
  test("answers without a promise only what resolve would answer from memory: never before a fetch, past the cache TTL or past staleness", async () => {
    let clock = 1_000_000;
    const set = keySet({ cacheTtlMs: 60_000, maxStalenessMs: 120_000, now: () => clock });
    expect(set.peek?.("es-1")).toBeUndefined(); // nothing fetched yet: resolve must fetch
    const resolved = await set.resolve("es-1");
    await Promise.resolve(); // the import settles, then peek has it
    expect(set.peek?.("es-1")).toBe(resolved);
    expect(set.peek?.("other")).toBeUndefined(); // an unknown kid goes to resolve (which may refetch)
    clock += 60_000; // the cache TTL is over: resolve would refetch
    expect(set.peek?.("es-1")).toBeUndefined();
    expect(hits).toBe(1);
    expect(await set.resolve("es-1")).toBe(resolved); // refetched, same key material: same import
    expect(hits).toBe(2);
    expect(set.peek?.("es-1")).toBe(resolved);
  });
});

describe("maximum staleness", () => {
  test("cached keys serve while refreshes fail, until maxStalenessMs after the last good fetch; then key_set_unavailable until a fetch succeeds", async () => {
    let clock = 1_000_000;
    const set = keySet({
      cacheTtlMs: 60_000,
      failureCooldownMs: 1_000,
      maxStalenessMs: 3_600_000,
      now: () => clock,
    });
    expect(await set.resolve("es-1")).toBeDefined();
    answer = failWith(503);
    clock += 3_600_000; // exactly at the limit: still served
    expect(await set.resolve("es-1")).toBeDefined();
    clock += 1_001;
    const error = await errorOf(set.resolve("es-1"));
    expect(error).toMatchObject({
      code: "key_set_unavailable",
      retryable: true,
      message: expect.stringMatching(
        /beyond its maximum staleness of 3600 s; the last refresh failed: HTTP 503/,
      ),
    });
    // An unknown kid is not answered "unknown" from a stale copy either (that would reject the record).
    expect(await errorOf(set.resolve("other"))).toMatchObject({ code: "key_set_unavailable" });
    answer = (res) => res.writeHead(200).end(jwks);
    clock += 1_000;
    expect(await set.resolve("es-1")).toBeDefined();
  });
});

describe("settings from the environment", () => {
  test("KJP_KEYSET_* set each option; unset ones keep their defaults", () => {
    expect(keySetOptionsFromEnv({})).toEqual({});
    expect(
      keySetOptionsFromEnv({
        KJP_KEYSET_FETCH_TIMEOUT_MS: "2500",
        KJP_KEYSET_CACHE_TTL_S: "120",
        KJP_KEYSET_REFETCH_COOLDOWN_S: "15",
        KJP_KEYSET_FAILURE_COOLDOWN_S: "0",
        KJP_KEYSET_MAX_STALENESS_S: "7200",
        KJP_KEYSET_MAX_BYTES: "65536",
      }),
    ).toEqual({
      fetchTimeoutMs: 2500,
      cacheTtlMs: 120_000,
      cooldownMs: 15_000,
      failureCooldownMs: 0,
      maxStalenessMs: 7_200_000,
      maxBytes: 65536,
    });
  });

  test.each([
    ["KJP_KEYSET_MAX_BYTES", "1mb", /KJP_KEYSET_MAX_BYTES must be a whole number of bytes/],
    ["KJP_KEYSET_MAX_BYTES", "0", /KJP_KEYSET_MAX_BYTES must be above 0/],
    ["KJP_KEYSET_MAX_STALENESS_S", "-5", /KJP_KEYSET_MAX_STALENESS_S must be/],
    [
      "KJP_KEYSET_FETCH_TIMEOUT_MS",
      "5s",
      /KJP_KEYSET_FETCH_TIMEOUT_MS must be a whole number of milliseconds/,
    ],
  ])("a bad %s (%j) is a ConfigurationError naming it", (name, value, message) => {
    expect(() => keySetOptionsFromEnv({ [name]: value })).toThrow(
      expect.objectContaining({ code: "configuration", message: expect.stringMatching(message) }),
    );
  });
});
