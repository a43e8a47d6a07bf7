import { ConfigurationError } from "../errors/kjp-error.js";
import { registry } from "../../schemas/index.js";
import { consumerConfigFromEnv as readConfig } from "./consumer-config.js";

const consumerConfigFromEnv = (env: NodeJS.ProcessEnv) => readConfig(env, registry);

const base = {
  KJP_LEDGER_TABLE: "ledger",
  KJP_PROJECTIONS_TABLE: "proj",
  KJP_AUDIENCE: "crm-pipeline",
  // A key set read lazily (on first verification), so building the config touches no AWS service.
  KJP_ISSUERS: '[{"issuer":"crm-rails","keys":"ssm:/kjp/test/jwks"}]',
};

describe("consumerConfigFromEnv", () => {
  test("defaults", () => {
    const c = consumerConfigFromEnv(base);
    expect(c).toMatchObject({
      ledgerTable: "ledger",
      projectionsTable: "proj",
      verifier: { audience: "crm-pipeline" },
      settings: {
        keyConcurrency: 64,
        ledgerTtlSeconds: 30 * 86400,
        maxItemsPerTransaction: 100,
        prefetch: true,
      },
    });
  });
  test("reads limits", () => {
    const c = consumerConfigFromEnv({
      ...base,
      KJP_KEY_CONCURRENCY: "8",
      KJP_LEDGER_TTL_DAYS: "7",
      KJP_DEDUPE_PREFETCH: "false",
      KJP_CLAIM_LEASE_SECONDS: "30",
    });
    expect(c.settings).toMatchObject({
      keyConcurrency: 8,
      ledgerTtlSeconds: 7 * 86400,
      prefetch: false,
      claimLeaseMs: 30_000,
    });
  });
  test.each([
    [{ KJP_LEDGER_TABLE: "" }, /KJP_LEDGER_TABLE is not set/],
    [{ KJP_PROJECTIONS_TABLE: undefined }, /KJP_PROJECTIONS_TABLE is not set/],
    [{ KJP_AUDIENCE: " " }, /KJP_AUDIENCE is not set/],
    [{ KJP_ISSUERS: undefined }, /KJP_ISSUERS is not set/],
    [{ KJP_ISSUERS: "[]" }, /KJP_ISSUERS must be a non-empty JSON array/],
    [{ KJP_KEY_CONCURRENCY: "many" }, /KJP_KEY_CONCURRENCY must be a whole number/],
    [{ KJP_LEDGER_TTL_DAYS: "0" }, /KJP_LEDGER_TTL_DAYS must be between 1 and 3650/],
    [{ KJP_DEDUPE_PREFETCH: "yes" }, /KJP_DEDUPE_PREFETCH must be "true" or "false"/],
  ])("%j → a ConfigurationError naming the setting", (change, message) => {
    const env = { ...base, ...change } as NodeJS.ProcessEnv;
    expect(() => consumerConfigFromEnv(env)).toThrow(ConfigurationError);
    expect(() => consumerConfigFromEnv(env)).toThrow(message);
  });
});
