// Browser tests: Debian's chromium driven by playwright-core against the operator console and the HTTP path
// (the local HTTP API with the gem's Rails test app), on the same emulator stack as the integration suite
// (same global setup), one file at a time.
import integration from "./jest.integration.config.js";

/** @type {import('jest').Config} */
export default {
  ...integration,
  testMatch:
    process.env.KJP_CANARY === "1"
      ? ["<rootDir>/test/canary/browser.canary.ts"]
      : ["<rootDir>/test/browser/**/*.test.ts"],
  testTimeout: 120_000,
};
