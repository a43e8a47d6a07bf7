// ESM mode: jose 6 is ESM-only, so tests run as native ES modules (NODE_OPTIONS=--experimental-vm-modules).
// KJP_CANARY=1 runs only the planted failing test (scripts/test-canary.sh).
const canary = process.env.KJP_CANARY === "1";

/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }],
  },
  testMatch: canary
    ? ["<rootDir>/test/canary/unit.canary.ts"]
    : ["<rootDir>/{handlers,processors,schemas,lib,dev,cli,scripts,test}/**/*.test.ts"],
  testPathIgnorePatterns: [
    "/node_modules/",
    "/dist/",
    "<rootDir>/test/integration/",
    "<rootDir>/test/serverless/",
    "<rootDir>/test/browser/",
    "<rootDir>/test/localstack/",
    "<rootDir>/test/chaos/",
  ],
  setupFiles: ["<rootDir>/test/setup/quiet-sdk.cjs"],
  testTimeout: 20000,
};
