import { KjpError } from "../errors/kjp-error.js";
import { pingValidator } from "./testing/fixtures.js";
import { verifierOptionsFromEnv } from "../config/verifier-config.js";
import { createStaticKeySet } from "./keysets/static-key-set.js";
import { checkIssuerName } from "./issuer-name.js";
import { createVerifier } from "./verify.js";

const jwks = JSON.stringify({ keys: [] });
const refused = [
  "shop#billing",
  "#",
  "crm rails",
  "crm\nrails",
  "crm\u0000rails",
  "crm\u007frails",
  "-leading-dash",
  "ünïcode",
  "x".repeat(257),
];

describe("issuer names are checked when the configuration is loaded", () => {
  it.each(["crm-rails", "billing_rails.v2", "https://crm.example.com/issuer", "a", "x".repeat(256)])(
    "%s is accepted",
    (name) => {
      expect(checkIssuerName(name, "test")).toBe(name);
      const env = { KJP_AUDIENCE: "a", KJP_ISSUERS: JSON.stringify([{ issuer: name, keys: jwks }]) };
      expect(verifierOptionsFromEnv(env, pingValidator).issuers[0]!.issuer).toBe(name);
    },
  );

  it.each(refused)("%j is refused in KJP_ISSUERS with a ConfigurationError naming the entry", (name) => {
    const env = {
      KJP_AUDIENCE: "a",
      KJP_ISSUERS: JSON.stringify([
        { issuer: "crm-rails", keys: jwks },
        { issuer: name, keys: jwks },
      ]),
    };
    let error: unknown;
    try {
      verifierOptionsFromEnv(env, pingValidator);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KjpError);
    expect(error).toMatchObject({
      code: "configuration",
      message: expect.stringMatching(/^KJP_ISSUERS\[1\]: issuer name .* is not accepted$/),
      hint: expect.stringMatching(/no '#'/),
    });
  });

  it.each(refused)("%j is refused by createVerifier too", (name) => {
    expect(() =>
      createVerifier({
        audience: "a",
        issuers: [{ issuer: name, keySet: createStaticKeySet([]) }],
        validator: pingValidator,
      }),
    ).toThrow(expect.objectContaining({ code: "configuration" }));
  });
});
