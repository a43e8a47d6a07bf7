import type { JwksFetcher } from "./refreshing-key-set.js";

type KeyStoreClients = typeof import("../../aws/key-store-clients.js");
// Loaded on the first fetch from SSM or Secrets Manager, never at cold start of a file- or env-keyed consumer.
const loadClients = () => import("../../aws/key-store-clients.js");
const loadSsm = () => import("@aws-sdk/client-ssm");
const loadSecretsManager = () => import("@aws-sdk/client-secrets-manager");

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
  let client: ReturnType<KeyStoreClients["ssmClient"]> | undefined;
  return async (signal) => {
    const [{ ssmClient }, { GetParameterCommand }] = await Promise.all([loadClients(), loadSsm()]);
    client ??= ssmClient({ maxAttempts: 2 });
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
  let client: ReturnType<KeyStoreClients["secretsClient"]> | undefined;
  return async (signal) => {
    const [{ secretsClient }, { GetSecretValueCommand }] = await Promise.all([
      loadClients(),
      loadSecretsManager(),
    ]);
    client ??= secretsClient({ maxAttempts: 2 });
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: signal });
    if (out.SecretString !== undefined) return out.SecretString;
    if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString("utf8");
    throw new Error(`secret ${secretId} has no value`);
  };
}
