// `npm run test:localstack`: the integration suite plus the LocalStack-only checks (test/localstack), against
// LocalStack in host mode. dev/localstack/cli-test.ts starts it and sets AWS_ENDPOINT_URL, so the suite's
// global setup starts nothing and creates its resources there.
import integration from "../../jest.integration.config.js";

/** @type {import('jest').Config} */
export default {
  ...integration,
  rootDir: "../..",
  // KJP_CANARY=1 (scripts/test-canary.sh): the integration config's planted failing test only.
  testMatch:
    process.env.KJP_CANARY === "1"
      ? integration.testMatch
      : ["<rootDir>/test/integration/**/*.test.ts", "<rootDir>/test/localstack/**/*.test.ts"],
  // The newcomer's session drives `kjp dev`, which starts the embedded stack of its own whatever the suite
  // points at: it runs in the embedded suite. Beside that suite on a fresh clone its stack did not start within
  // two minutes here; until that is understood it is not run twice.
  // The console's CloudWatch reader: this LocalStack answers CloudWatch in the query protocol (XML), the SDK
  // now speaks JSON to it; the embedded suite checks the reader against moto.
  testPathIgnorePatterns: [
    ...(integration.testPathIgnorePatterns ?? []),
    "/test/integration/newcomer/",
    "/test/integration/console/cloudwatch-outcomes.test.ts",
  ],
};
