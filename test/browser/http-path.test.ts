import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { startPipelineSession, type PipelineSession } from "../../dev/demo/pipeline-session.js";
import { findFreePort } from "../../dev/local/free-port.js";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import { launchChromium } from "./chromium.js";
import { startRailsServer, type RailsServer } from "./rails-server.js";

/**
 * The HTTP path end to end in a real browser: a page served by the Rails app carries an access token the gem
 * issued; from that page (the Rails origin) the browser calls the local HTTP API cross-origin, reads its
 * account's pipeline and posts a note, which the queue path (the consumer under the dev runner) then applies.
 * A page from any other origin is refused by CORS.
 */
const USER = "usr_BROWSER01";
const ACCOUNT = "acc_BROWSER01";

let dir: string;
let session: PipelineSession;
let rails: RailsServer;
let browser: { context: BrowserContext; close(): Promise<void> };
let foreign: Server;
let foreignOrigin: string;
let api: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kjp-browser-"));
  // The Rails app's own key, trusted by the authorizer as the access token issuer.
  const key = await generateSigningKey("ES256", "crm-rails-browser");
  writeFileSync(join(dir, "rails-key.json"), JSON.stringify(key.privateJwk), { mode: 0o600 });
  writeFileSync(join(dir, "rails-jwks.json"), JSON.stringify({ keys: [key.publicJwk] }));
  const railsPort = await findFreePort();
  // serverless.yml's local railsOrigin reads it: CORS allows exactly this origin.
  process.env.KJP_RAILS_ORIGIN = `http://127.0.0.1:${railsPort}`;
  session = await startPipelineSession({
    keysDir: join(dir, "session"),
    httpPort: 0,
    accessIssuers: JSON.stringify([{ issuer: "crm-rails", keys: `file:${join(dir, "rails-jwks.json")}` }]),
    log: () => undefined,
  });
  api = session.httpApi!.url;
  rails = await startRailsServer(railsPort, {
    KJP_APP_DATABASE: join(dir, "app.sqlite3"),
    KJP_APP_LOG: join(dir, "app.log"),
    KJP_JOURNAL_DIR: join(dir, "journal"),
    KJP_STREAM_NAME: session.resources.env.KJP_STREAM_NAME ?? "",
    KJP_SIGNING_KEY_PATH: join(dir, "rails-key.json"),
    KJP_ISSUER: "crm-rails",
    KJP_HTTP_AUDIENCE: session.httpApi!.audience,
    KJP_HTTP_API_URL: api,
    KJP_ACCESS_TTL: "6",
  });
  foreign = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html>x"),
  );
  await new Promise<void>((r) => foreign.listen(0, "127.0.0.1", () => r()));
  foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (foreign ? foreign.close(() => r(undefined)) : r(undefined)));
  await rails?.stop();
  await session?.stop();
  delete process.env.KJP_RAILS_ORIGIN;
  rmSync(dir, { recursive: true, force: true });
});

async function railsPage(): Promise<Page> {
  const page = await browser.context.newPage();
  const response = await page.goto(`${rails.origin}/app?user=${USER}&account=${ACCOUNT}`);
  expect(response?.status()).toBe(200);
  return page;
}

/** fetch from inside the page, with the page's current token: what the front end's code does. */
function callFromPage(
  page: Page,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) {
  return page.evaluate(
    async ({ url, method, body, token }) => {
      const bearer = token ?? (globalThis as unknown as { kjpAccessToken(): string }).kjpAccessToken();
      try {
        const r = await fetch(url, {
          method: method ?? "GET",
          headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: r.status, body: (await r.json()) as Record<string, unknown> };
      } catch (error) {
        return { status: 0, error: String(error) };
      }
    },
    { url: `${api}${path}`, method: init.method, body: init.body, token: init.token },
  );
}

test("a page with a Rails-issued token reads its account's pipeline and posts a note the queue path applies", async () => {
  const page = await railsPage();
  const view = await callFromPage(page, `/accounts/${ACCOUNT}/pipeline`);
  expect(view).toMatchObject({ status: 200, body: { accountId: ACCOUNT, notes: [] } });

  const noteId = `note_BR${Date.now().toString(36).toUpperCase()}`;
  const note = {
    noteId,
    accountId: ACCOUNT,
    authorId: USER,
    body: "Posted by a browser through API Gateway.",
    mentions: [],
    createdAt: new Date().toISOString(),
    notify: false,
  };
  const posted = await callFromPage(page, "/notes", { method: "POST", body: note });
  expect(posted).toMatchObject({ status: 202, body: { jti: expect.any(String) } });

  let notes: { noteId: string; sourceJti: string }[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const r = await callFromPage(page, `/accounts/${ACCOUNT}/pipeline`);
    notes = ((r.body as { notes?: typeof notes } | undefined)?.notes ?? []) as typeof notes;
    if (notes.some((n) => n.noteId === noteId)) break;
    await page.waitForTimeout(200);
  }
  expect(notes).toEqual([
    expect.objectContaining({ noteId, sourceJti: (posted.body as { jti: string }).jti }),
  ]);
  await page.close();
});

test("the browser is refused with the right status and reason", async () => {
  const page = await railsPage();
  expect(await callFromPage(page, `/accounts/acc_SOMEONE9/pipeline`)).toMatchObject({
    status: 403,
    body: { error: "forbidden_account" },
  });
  expect(await callFromPage(page, `/accounts/${ACCOUNT}/pipeline`, { token: "not-a-token" })).toMatchObject({
    status: 401,
    body: { error: "malformed" },
  });
  const note = {
    noteId: "note_BROTHER01",
    accountId: "acc_SOMEONE9",
    authorId: USER,
    body: "x",
    mentions: [],
    createdAt: new Date().toISOString(),
    notify: false,
  };
  expect(await callFromPage(page, "/notes", { method: "POST", body: note })).toMatchObject({
    status: 403,
    body: { error: "forbidden_account" },
  });
  expect(
    await callFromPage(page, "/notes", { method: "POST", body: { ...note, accountId: ACCOUNT, body: 7 } }),
  ).toMatchObject({
    status: 400,
    body: { error: "invalid_payload" },
  });
  await page.close();
});

test("the page refreshes its token before it expires", async () => {
  const page = await railsPage();
  const first = await page.evaluate(() =>
    (globalThis as unknown as { kjpAccessToken(): string }).kjpAccessToken(),
  );
  // KJP_ACCESS_TTL=6: the page fetches a new token after 4 s (80% of the lifetime).
  await page.waitForFunction(
    (t) => (globalThis as unknown as { kjpAccessToken(): string }).kjpAccessToken() !== t,
    first,
    {
      timeout: 15_000,
    },
  );
  expect((await callFromPage(page, `/accounts/${ACCOUNT}/pipeline`)).status).toBe(200);
  await page.close();
});

test("a page from another origin cannot call the API (CORS), even with a valid token", async () => {
  const railsTab = await railsPage();
  const token = await railsTab.evaluate(() =>
    (globalThis as unknown as { kjpAccessToken(): string }).kjpAccessToken(),
  );
  await railsTab.close();
  const page = await browser.context.newPage();
  await page.goto(foreignOrigin);
  const r = await callFromPage(page, `/accounts/${ACCOUNT}/pipeline`, { token });
  expect(r).toMatchObject({ status: 0, error: expect.stringMatching(/Failed to fetch/) });
  await page.close();
  // The gateway's answer to that preflight carries no CORS headers; the Rails origin's does.
  const preflight = (origin: string) =>
    fetch(`${api}/accounts/${ACCOUNT}/pipeline`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
  expect((await preflight(foreignOrigin)).headers.get("access-control-allow-origin")).toBeNull();
  expect((await preflight(rails.origin)).headers.get("access-control-allow-origin")).toBe(rails.origin);
});
