// Browser tests: Debian's chromium driven by playwright-core against the local HTTP API and the gem's Rails
// test app, on the same emulator stack as the integration tests (started once by the same globalSetup).
import integration from "./jest.integration.config.js";

/** @type {import('jest').Config} */
export default {
  ...integration,
  testMatch: ["<rootDir>/test/browser/**/*.test.ts"],
  testTimeout: 120_000,
};
