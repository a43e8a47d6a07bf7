import { verifierOptionsFromEnv } from "./verifier-config.js";
import { generateSigningKey } from "../envelope/signing-keys.js";
import { pingValidator } from "../envelope/testing/fixtures.js";

let jwks: string;
beforeAll(async () => {
  jwks = JSON.stringify({ keys: [(await generateSigningKey("ES256", "es-1")).publicJwk] });
});

test("reads audience, issuers with their key sets, tolerance, lifetime and HS256 opt-in", async () => {
  const options = verifierOptionsFromEnv(
    {
      KJP_AUDIENCE: "crm-pipeline",
      KJP_ISSUERS: JSON.stringify([{ issuer: "crm-rails", keys: jwks }]),
      KJP_CLOCK_TOLERANCE_S: "30",
      KJP_MAX_LIFETIME_S: "86400",
      KJP_ALLOW_HS256: "true",
    },
    pingValidator,
  );
  expect(options).toMatchObject({
    audience: "crm-pipeline",
    clockToleranceSec: 30,
    maxLifetimeSec: 86400,
    allowHS256: true,
  });
  expect(options.issuers.map((i) => i.issuer)).toEqual(["crm-rails"]);
  expect(await options.issuers[0]!.keySet.resolve("es-1")).toMatchObject({ alg: "ES256" });
});

test.each([
  ["KJP_AUDIENCE", {}, /KJP_AUDIENCE is not set/],
  ["KJP_ISSUERS", { KJP_AUDIENCE: "a" }, /KJP_ISSUERS is not set/],
  ["KJP_ISSUERS", { KJP_AUDIENCE: "a", KJP_ISSUERS: "nope" }, /KJP_ISSUERS is not JSON/],
  ["KJP_ISSUERS", { KJP_AUDIENCE: "a", KJP_ISSUERS: "[]" }, /non-empty JSON array/],
  ["KJP_ISSUERS", { KJP_AUDIENCE: "a", KJP_ISSUERS: '[{"issuer":"x"}]' }, /KJP_ISSUERS\[0\] needs/],
  [
    "KJP_ISSUERS",
    { KJP_AUDIENCE: "a", KJP_ISSUERS: '[{"issuer":"x","keys":"file:/nope.json"}]' },
    /KJP_ISSUERS\[0\] \(issuer "x"\): key set file/,
  ],
  ["KJP_CLOCK_TOLERANCE_S", { KJP_CLOCK_TOLERANCE_S: "-1" }, /KJP_CLOCK_TOLERANCE_S must be/],
  ["KJP_MAX_LIFETIME_S", { KJP_MAX_LIFETIME_S: "1d" }, /KJP_MAX_LIFETIME_S must be/],
  ["KJP_ALLOW_HS256", { KJP_ALLOW_HS256: "yes" }, /KJP_ALLOW_HS256 must be/],
])("a bad %s is a ConfigurationError naming it", (_name, env, message) => {
  // Settings other than the two required ones are tested on top of a valid base.
  const needsBase =
    !Object.keys(env).some((k) => k === "KJP_AUDIENCE" || k === "KJP_ISSUERS") && Object.keys(env).length > 0;
  const full = needsBase
    ? { KJP_AUDIENCE: "a", KJP_ISSUERS: JSON.stringify([{ issuer: "x", keys: jwks }]), ...env }
    : env;
  expect(() => verifierOptionsFromEnv(full, pingValidator)).toThrow(
    expect.objectContaining({ code: "configuration", message: expect.stringMatching(message) }),
  );
});

test("checks signatures inline in a Lambda function with less than two vCPUs, on the pool from two", () => {
  const env = {
    KJP_AUDIENCE: "crm-pipeline",
    KJP_ISSUERS: JSON.stringify([{ issuer: "crm-rails", keys: jwks }]),
  };
  const small = verifierOptionsFromEnv({ ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024" }, pingValidator);
  const large = verifierOptionsFromEnv({ ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "4096" }, pingValidator);
  expect(small.inlineSignatures).toBe(true);
  expect(large.inlineSignatures).toBeUndefined();
});
