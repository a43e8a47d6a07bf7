// ESM mode: jose 6 is ESM-only, so tests run as native ES modules (NODE_OPTIONS=--experimental-vm-modules).
/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }],
  },
  testMatch: ["<rootDir>/{handlers,processors,schemas,lib,dev,cli,test}/**/*.test.ts"],
  testPathIgnorePatterns: [
    "/node_modules/",
    "/dist/",
    "<rootDir>/test/integration/",
    "<rootDir>/test/serverless/",
  ],
  setupFiles: ["<rootDir>/test/setup/quiet-sdk.cjs"],
  testTimeout: 20000,
};
