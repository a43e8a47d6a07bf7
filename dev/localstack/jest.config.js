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
  // Every integration test runs here too, except:
  // - the console's CloudWatch reader: this LocalStack answers CloudWatch in the query protocol (XML), the SDK
  //   now speaks JSON to it; the embedded suite checks the reader against moto.
  testPathIgnorePatterns: [
    ...(integration.testPathIgnorePatterns ?? []),
    "/test/integration/console/cloudwatch-outcomes.test.ts",
  ],
};
