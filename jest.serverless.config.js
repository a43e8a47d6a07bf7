// The `serverless package` check: slow (packages the service), so it runs as its own suite.
import base from "./jest.config.js";

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ["<rootDir>/test/serverless/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  testTimeout: 180000,
};
