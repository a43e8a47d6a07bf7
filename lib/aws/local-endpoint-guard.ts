import { ConfigurationError } from "../errors/kjp-error.js";

// lib/config imports the clients (key sets from SSM), so this reads the few variables itself.
type Env = Readonly<Record<string, string | undefined>>;
const optionalSetting = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

/**
 * With KJP_LOCAL_STACK=1 (set by the local stack's env file) every AWS client must point at a loopback
 * endpoint. Without the guard, a service whose AWS_ENDPOINT_URL_<SERVICE> is missing silently goes to real
 * AWS with whatever credentials the machine has: a local experiment must never reach an account.
 */
export type ServiceEndpointName =
  "DYNAMODB" | "KINESIS" | "SQS" | "S3" | "CLOUDWATCH" | "CLOUDWATCH_LOGS" | "SSM" | "SECRETS_MANAGER";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function localStackRequested(env: Env): boolean {
  return optionalSetting(env, "KJP_LOCAL_STACK") === "1";
}

/** Throws a ConfigurationError when the local stack is requested and `service` would leave the machine. */
export function assertLocalEndpoint(service: ServiceEndpointName, env: Env): void {
  if (!localStackRequested(env)) return;
  const variable = `AWS_ENDPOINT_URL_${service}`;
  const endpoint = optionalSetting(env, variable) ?? optionalSetting(env, "AWS_ENDPOINT_URL");
  const hint =
    "source the local stack's env file again (it sets every endpoint), or unset KJP_LOCAL_STACK to use AWS";
  if (endpoint === undefined)
    throw new ConfigurationError(
      `KJP_LOCAL_STACK=1 but ${variable} is not set: refusing to call real AWS for ${service}`,
      hint,
    );
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch (cause) {
    throw new ConfigurationError(`${variable} "${endpoint}" is not a URL`, hint, cause);
  }
  if (!LOOPBACK.has(host))
    throw new ConfigurationError(
      `KJP_LOCAL_STACK=1 but ${service} points at ${endpoint}, which is not on this machine: refusing`,
      hint,
    );
}
