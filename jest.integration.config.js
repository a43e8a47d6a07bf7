// Emulator-backed tests: one local AWS stack (kinesis-mock, DynamoDB Local, moto; or LocalStack when
// AWS_ENDPOINT_URL is set) started once in globalSetup, shared by all files, run one file at a time.
import base from "./jest.config.js";

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch:
    process.env.KJP_CANARY === "1"
      ? ["<rootDir>/test/canary/integration.canary.ts"]
      : ["<rootDir>/test/integration/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  globalSetup: "<rootDir>/test/integration/setup/global-setup.mjs",
  globalTeardown: "<rootDir>/test/integration/setup/global-teardown.mjs",
  maxWorkers: 1,
  testTimeout: 60_000,
};
