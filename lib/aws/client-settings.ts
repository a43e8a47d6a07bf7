import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { assertLocalEndpoint, type ServiceEndpointName } from "./local-endpoint-guard.js";

/**
 * One place that builds AWS SDK v3 clients, so every part of the system (handler, CLI, local stack, tests)
 * reaches the same endpoints the same way.
 *
 * Endpoints follow the SDK's own convention: `AWS_ENDPOINT_URL_<SERVICE>` (e.g. AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_KINESIS) or `AWS_ENDPOINT_URL` for all services (LocalStack). The SDK reads these itself;
 * we only pin the HTTP handler, because kinesis-mock's plain HTTP port fails with the SDK's HTTP/2 handler
 * (ERR_HTTP2_ERROR), and keep-alive sockets make a large batch far cheaper. With KJP_LOCAL_STACK=1 a client
 * whose endpoint is not on this machine is refused before it is built (local-endpoint-guard.ts).
 *
 * Each service's client is built in a module of its own (dynamodb-client.ts, kinesis-client.ts, sqs-client.ts,
 * s3-client.ts, logs-client.ts; key-store-clients.ts): an SDK client package costs 100 ms or more of CPU to
 * load, so a command or a Lambda loads only the packages of the clients it uses.
 *
 * Every call has a deadline that really ends it: the handler's `requestTimeout` alone only logs a warning
 * when exceeded, so `throwOnRequestTimeout` makes it abort the request (a hung or paused endpoint then fails
 * in `requestTimeoutMs`, at most `maxAttempts` times). Callers with a tighter budget (the consumer, near its
 * Lambda timeout) also pass an AbortSignal per call.
 */
export interface ClientOptions {
  region?: string;
  /** Per-request socket timeout in ms. */
  requestTimeoutMs?: number;
  maxAttempts?: number;
  /** An endpoint for this client alone (default: the AWS_ENDPOINT_URL_* convention above). */
  endpoint?: string;
}

/** Settings every client of `service` shares (region, pinned HTTP handler, local credentials). */
export function clientSettings(options: ClientOptions, service: ServiceEndpointName) {
  assertLocalEndpoint(service, process.env);
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  return {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
      requestTimeout,
      throwOnRequestTimeout: true,
      connectionTimeout: Math.min(requestTimeout, 5_000),
    }),
    ...localCredentials(),
  };
}

/**
 * Emulators accept any credentials; when an endpoint override is set and no credentials are configured,
 * supply dummy ones so a fresh machine works without `aws configure`. Real AWS never gets here.
 */
function localCredentials(): { credentials?: { accessKeyId: string; secretAccessKey: string } } {
  const overridden = Object.keys(process.env).some(
    (k) => k === "AWS_ENDPOINT_URL" || k.startsWith("AWS_ENDPOINT_URL_"),
  );
  if (!overridden || process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE) return {};
  return { credentials: { accessKeyId: "local", secretAccessKey: "local" } };
}
