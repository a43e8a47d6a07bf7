import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { ensureConsumerTables } from "../../lib/ledger/tables.js";
import { startConsole } from "../../dev/console/console.js";
import type { ConsoleServer } from "../../dev/console/server.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { launchChromium } from "./chromium.js";
import { runConsoleWorkload, type ConsoleWorkload } from "./console-workload.js";

/**
 * The operator console in a real browser (Debian's chromium, driven by playwright-core) on the emulator stack,
 * after a demo-like workload. Screenshots go to .kjp/screenshots, and to docs/images with
 * KJP_UPDATE_SCREENSHOTS=1 (the pictures the docs show).
 */
const dynamodb = dynamoDbClient();
const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const tables = {
  ledgerTable: `kjp-console-ledger-${suffix}`,
  projectionsTable: `kjp-console-proj-${suffix}`,
};
const shotDirs = [join(projectRoot(), ".kjp", "screenshots")];
if (process.env.KJP_UPDATE_SCREENSHOTS === "1") shotDirs.push(join(projectRoot(), "docs", "images"));

let workload: ConsoleWorkload;
let server: ConsoleServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

async function screenshot(name: string) {
  for (const dir of shotDirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `console-${name}.png`), fullPage: true });
  }
}

interface PageDocument {
  body: { dataset: Record<string, string | undefined> };
  querySelector(selector: string): unknown;
}

/** Waits until the page shows the route in the address bar, fully rendered (app.ts marks the body). */
async function settled() {
  // Runs in the page (the console's CSP forbids string evaluation); the test's TypeScript has no DOM types.
  await page.waitForFunction(() => {
    const g = globalThis as unknown as { document: PageDocument; location: { hash: string } };
    const body = g.document.body;
    return body.dataset.loading === undefined && body.dataset.rendered === g.location.hash;
  });
}

beforeAll(async () => {
  await ensureConsumerTables(dynamodb, tables);
  workload = await runConsoleWorkload(dynamodb, tables);
  server = await startConsole({ env: workload.env, port: 0, allowReplay: true });
  browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  dynamodb.destroy();
});

test("overview charts the workload by outcome and type, duplicates and parked included, and shows the oldest unfinished record", async () => {
  await page.goto(server.url);
  // The printed URL's token became a cookie; the address bar no longer shows it.
  expect(page.url()).not.toContain("token=");
  await settled();
  const total = (status: string) => page.locator(`.card[data-status="${status}"] .n`).textContent();
  expect(await total("processed")).toBe("18");
  expect(await total("duplicate")).toBe(String(workload.duplicates));
  expect(await total("rejected")).toBe("5");
  expect(await total("failed")).toBe("1");
  expect(await total("parked")).toBe("2");
  expect(await page.locator(".chart h3").allTextContents()).toEqual(
    expect.arrayContaining(["contact.upserted", "deal.stage_changed", "note.added"]),
  );
  // Every series is drawn: duplicates (the redelivered batch) and the park (deal and note of the parked key).
  for (const status of ["processed", "duplicate", "rejected", "failed", "parked"])
    expect(await page.locator(`.chart svg rect[data-status="${status}"]`).count()).toBeGreaterThan(0);
  expect(
    await page
      .locator('.chart[data-type="deal.stage_changed"] svg rect[data-status="parked"] title')
      .allTextContents(),
  ).toEqual([expect.stringMatching(/ parked: 1$/)]);
  expect(await page.locator("#oldest").textContent()).toContain("deal.stage_changed");
  expect(await page.locator("#recent td:nth-child(2)").allTextContents()).toEqual(
    expect.arrayContaining(["rejected", "failed"]),
  );
  expect(
    await page.locator("#recent tr", { hasText: workload.failedJti }).locator("td.now").textContent(),
  ).toBe("failed");
  await screenshot("overview");
});

test("a parked key's row opens its first parked record, with the park", async () => {
  await page.goto(`${server.url.replace(/\?token=.*/, "")}#/failures?status=parked`);
  await settled();
  const row = page.locator("#failures tr", { hasText: workload.parkedKey });
  expect(await row.locator("td:nth-child(3)").textContent()).toBe("processor_failed");
  await row.locator("a", { hasText: "(2 parked)" }).click();
  await page.waitForURL(/#\/message\?pk=parked/);
  await settled();
  expect(await page.locator("#park").textContent()).toContain("this one among them");
  expect(await page.locator("#verdict").textContent()).toContain("accepted now with today's keys");
  expect(await page.locator("#claims").textContent()).toContain(workload.parkedJti);
});

test("failures filter by reason, with counts by reason, and open a message", async () => {
  await page.click('header a[href="#/failures"]');
  await settled();
  await page.waitForSelector("#counts a");
  expect(await page.locator("#counts").textContent()).toEqual(
    expect.stringMatching(/unknown_key: 3.*invalid_payload: 2|invalid_payload: 2.*unknown_key: 3/),
  );
  await page.fill('input[name="reason"]', "unknown_key");
  await page.click('form.filters button[type="submit"]');
  await page.waitForURL(/reason=unknown_key/);
  await settled();
  const reasons = await page.locator("#failures tr td:nth-child(3)").allTextContents();
  expect(reasons).toEqual(["unknown_key", "unknown_key", "unknown_key"]);
  await screenshot("failures");

  await page.selectOption('select[name="status"]', "failed");
  await page.fill('input[name="reason"]', "");
  await page.click('form.filters button[type="submit"]');
  await page.waitForURL(/status=failed/);
  await settled();
  await page.click(`#failures a:has-text("${workload.failedJti}")`);
  await page.waitForURL(/#\/message/);
  await settled();
  expect(await page.locator("#verdict").textContent()).toContain("accepted now with today's keys");
  expect(await page.locator("#history").textContent()).toContain('"status": "failed"');
});

test("personal fields are masked until revealed", async () => {
  await page.goto(`${server.url.replace(/\?token=.*/, "")}#/message?target=${workload.contactJti}`);
  await settled();
  const masked = await page.locator("#claims").textContent();
  expect(masked).toContain('"email": "•••"');
  expect(masked).not.toContain("ada@example.com");
  await screenshot("message");
  await page.click("#reveal");
  await page.waitForURL(/reveal=1/);
  await settled();
  expect(await page.locator("#claims").textContent()).toContain("ada@example.com");
});

test("a dry run previews, then a confirmed replay resolves the failure", async () => {
  await page.click('header a[href="#/replay"]');
  await settled();
  await page.selectOption('select[name="status"]', "failed");
  await page.click("#dry-run");
  await page.waitForSelector("#summary-title");
  expect(await page.locator("#summary-title").textContent()).toContain("Dry run");
  expect(await page.locator("#summary").textContent()).toContain("1would process");

  await page.click("#replay");
  await page.click("#confirm-replay");
  await page.waitForSelector("#summary-title:has-text('Replay finished')");
  expect(await page.locator("#summary").textContent()).toContain("1processed");
  await screenshot("replay");

  await page.goto(`${server.url.replace(/\?token=.*/, "")}#/failures?status=failed`);
  await settled();
  expect(await page.locator("#failures tr td").count()).toBe(0);
  expect(await page.locator("main").textContent()).toContain("No failures match.");

  // The replay went through the pipeline, which counted it: one more processed deal on the overview.
  await page.goto(`${server.url.replace(/\?token=.*/, "")}#/overview`);
  await settled();
  expect(await page.locator('.card[data-status="processed"] .n').textContent()).toBe("19");
  // The failure is still among the recent problems (it happened), and says what it is now.
  const row = page.locator("#recent tr", { hasText: workload.failedJti });
  expect(await row.locator("td:nth-child(2)").textContent()).toBe("failed");
  expect(await row.locator("td.now").textContent()).toBe("done");
});

test("keys lists the trusted issuer's key ids and algorithms", async () => {
  await page.click('header a[href="#/keys"]');
  await settled();
  const text = await page.locator("main").textContent();
  expect(text).toContain(String(workload.publicJwk.kid));
  expect(text).toContain("ES256");
  expect(text).toContain("literal JWKS");
  await screenshot("keys");
});

test("requests without the token get 401, a replay with a bad CSRF token gets 403", async () => {
  const base = server.url.replace(/\/\?token=.*/, "");
  expect((await fetch(`${base}/api/session`)).status).toBe(401);
  expect((await fetch(`${base}/`)).status).toBe(401);
  expect((await fetch(`${base}/api/failures`, { headers: { authorization: "Bearer wrong" } })).status).toBe(
    401,
  );
  const auth = { authorization: `Bearer ${server.token}`, "content-type": "application/json" };
  const body = JSON.stringify({ source: { from: "ledger" }, dryRun: true });
  expect((await fetch(`${base}/api/replay`, { method: "POST", headers: auth, body })).status).toBe(403);
  const bad = await fetch(`${base}/api/replay`, {
    method: "POST",
    headers: { ...auth, "x-csrf-token": "not-the-token" },
    body,
  });
  expect(bad.status).toBe(403);
  expect(((await bad.json()) as { error: string }).error).toBe("csrf");
  // The same request from the page (right CSRF token, cookie) is accepted.
  const fromPage = await page.evaluate(async (b) => {
    const s = (await (await fetch("/api/session")).json()) as { csrfToken: string };
    const r = await fetch("/api/replay", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": s.csrfToken },
      body: b,
    });
    return r.status;
  }, body);
  expect(fromPage).toBe(202);
});
