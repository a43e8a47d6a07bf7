// Planted on purpose: scripts/test-canary.sh runs this through the browser runner (Debian's chromium driven
// by playwright-core) and passes only if the failure below is reported and counted. Never part of a normal run.
import { launchChromium } from "../browser/chromium.js";

test("canary: chromium renders a page (a passing test is counted)", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setContent("<h1>canary</h1>");
    expect(await page.textContent("h1")).toBe("canary");
  } finally {
    await browser.close();
  }
});

test("canary: a failing test must turn the run red", () => {
  expect("planted failure").toBe("reported");
});
