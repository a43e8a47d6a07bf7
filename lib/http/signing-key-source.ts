import { readFileSync } from "node:fs";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { JWK } from "jose";
import { ssmClient } from "../aws/key-store-clients.js";
import { parsePrivateJwk } from "../config/http-config.js";
import { ConfigurationError } from "../errors/kjp-error.js";

/**
 * The HTTP API's private signing key, read once at cold start: `ssm:<name>` (a SecureString, decrypted),
 * `file:<path>` (local stack, tests) or the JWK's JSON itself. Errors name the source, never its content.
 */
export async function loadPrivateJwk(source: string): Promise<JWK> {
  if (source.startsWith("ssm:")) {
    const name = source.slice(4);
    const client = ssmClient({ maxAttempts: 3 });
    try {
      const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      if (out.Parameter?.Value === undefined)
        throw new ConfigurationError(`SSM parameter ${name} has no value`);
      return parsePrivateJwk(out.Parameter.Value, `SSM parameter ${name}`);
    } finally {
      client.destroy();
    }
  }
  if (source.startsWith("file:")) {
    const path = source.slice(5);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new ConfigurationError(
        `cannot read the signing key file ${path}`,
        "check KJP_HTTP_SIGNING_KEY",
        error,
      );
    }
    return parsePrivateJwk(text, `signing key file ${path}`);
  }
  return parsePrivateJwk(source, "KJP_HTTP_SIGNING_KEY");
}
