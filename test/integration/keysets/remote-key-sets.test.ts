import { CreateSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { randomUUID } from "node:crypto";
import { secretsClient, ssmClient } from "../../../lib/aws/key-store-clients.js";
import { KjpError } from "../../../lib/errors/kjp-error.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { loadKeySet } from "../../../lib/envelope/keysets/load-key-set.js";

// Key sets kept in SSM Parameter Store and Secrets Manager, read from moto (the integration stack's endpoint).
const ssm = ssmClient();
const secrets = secretsClient();
const jwks = async (kid: string, alg: "ES256" | "EdDSA") =>
  JSON.stringify({ keys: [(await generateSigningKey(alg, kid)).publicJwk] });

describe("remote key sets on the local stack", () => {
  it("resolves a kid from an SSM SecureString parameter and refetches after rotation", async () => {
    const name = `/kjp/test/${randomUUID()}/jwks`;
    await ssm.send(
      new PutParameterCommand({ Name: name, Type: "SecureString", Value: await jwks("ssm-1", "ES256") }),
    );
    const keySet = loadKeySet(`ssm:${name}`, { cooldownMs: 0 });

    const first = await keySet.resolve("ssm-1");
    expect(first).toMatchObject({ kid: "ssm-1", alg: "ES256" });
    expect(await keySet.resolve("not-there")).toBeUndefined();

    // Rotation: the new key is published under the same parameter; an unknown kid triggers a refetch.
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Type: "SecureString",
        Overwrite: true,
        Value: await jwks("ssm-2", "EdDSA"),
      }),
    );
    expect(await keySet.resolve("ssm-2")).toMatchObject({ kid: "ssm-2", alg: "EdDSA" });
  });

  it("resolves a kid from a Secrets Manager secret", async () => {
    const id = `kjp/test/${randomUUID()}`;
    await secrets.send(new CreateSecretCommand({ Name: id, SecretString: await jwks("sm-1", "EdDSA") }));
    const keySet = loadKeySet(`secretsmanager:${id}`, { cooldownMs: 0 });
    expect(await keySet.resolve("sm-1")).toMatchObject({ kid: "sm-1", alg: "EdDSA" });

    await secrets.send(
      new PutSecretValueCommand({ SecretId: id, SecretString: await jwks("sm-2", "ES256") }),
    );
    expect(await keySet.resolve("sm-2")).toMatchObject({ kid: "sm-2", alg: "ES256" });
  });

  it.each([
    ["ssm", `ssm:/kjp/test/${randomUUID()}/missing`],
    ["secretsmanager", `secretsmanager:kjp/test/${randomUUID()}/missing`],
  ])(
    "a %s key set that does not exist is a retryable key_set_unavailable, never a rejection",
    async (_, source) => {
      const keySet = loadKeySet(source, { cooldownMs: 0 });
      const error = await keySet.resolve("any").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KjpError);
      expect(error).toMatchObject({ code: "key_set_unavailable", retryable: true });
    },
  );
});
