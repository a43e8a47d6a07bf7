import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { secretsClient, ssmClient } from "../../aws/clients.js";
import type { JwksFetcher } from "./refreshing-key-set.js";

/**
 * HTTPS JWKS endpoint. Plain http is allowed only for loopback hosts (local stacks and tests). The body is
 * streamed and the connection dropped as soon as it passes maxBytes (or declares more): a hostile or broken
 * endpoint must not make the consumer hold hundreds of megabytes.
 */
export function httpJwks(url: URL): JwksFetcher {
  return async (signal, maxBytes) => {
    const response = await fetch(url, { signal, headers: { accept: "application/json" }, redirect: "error" });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} from ${url.href}`);
    }
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new Error(
        `the response from ${url.href} declares ${declared} bytes, above the ${maxBytes}-byte limit`,
      );
    }
    return readAtMost(response.body, maxBytes, url.href);
  };
}

async function readAtMost(body: ReadableStream<Uint8Array> | null, maxBytes: number, where: string) {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`the response from ${where} is above the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function isLoopback(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
}

/** SSM parameter (String or SecureString) holding the JWKS JSON. */
export function ssmJwks(name: string): JwksFetcher {
  const client = ssmClient({ maxAttempts: 2 });
  return async (signal) => {
    const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), {
      abortSignal: signal,
    });
    const value = out.Parameter?.Value;
    if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
    return value;
  };
}

/** Secrets Manager secret whose SecretString is the JWKS JSON. */
export function secretsManagerJwks(secretId: string): JwksFetcher {
  const client = secretsClient({ maxAttempts: 2 });
  return async (signal) => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: signal });
    if (out.SecretString !== undefined) return out.SecretString;
    if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString("utf8");
    throw new Error(`secret ${secretId} has no value`);
  };
}
