// The chaos run's short profile (`npm run chaos`, dev/chaos) as a suite of its own in `npm test`: one run of the
// whole pipeline under injected faults, judged by the assertions in test/chaos. It starts its own emulators on
// their own ports and keeps its state in its own KJP_STATE_DIR, so it runs beside the other suites.
import base from "./jest.config.js";

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch:
    process.env.KJP_CANARY === "1"
      ? ["<rootDir>/test/canary/chaos.canary.ts"]
      : ["<rootDir>/test/chaos/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  maxWorkers: 1,
  testTimeout: 60_000,
};
