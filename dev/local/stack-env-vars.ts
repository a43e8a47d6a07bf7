import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import type { StreamEventSettings } from "../service-definition/stream-event.js";

/** serverless.yml's default `audience` param: what the local consumer expects in `aud`. */
export const LOCAL_AUDIENCE = "kinesis-jwt-pipeline";

/** The producer identity a shell uses against the local stack: what `kjp publish` signs with. */
export interface LocalProducer {
  issuer: string;
  signingKeyFile: string;
  /** KJP_ISSUERS: every issuer the stack's consumer trusts, with its key set. */
  issuersEnv: string;
}

/**
 * A fresh ES256 key for a stack started without a consumer of its own (`npm run stack:up`), so `kjp sign`,
 * `publish`, `invoke`, `verify` and `replay` all work from the env file alone. Stays in the stack's folder and
 * goes with it.
 */
export async function createLocalProducer(dir: string): Promise<LocalProducer> {
  mkdirSync(dir, { recursive: true });
  const kid = `local-${Date.now().toString(36)}`;
  const key = await generateSigningKey("ES256", kid);
  const jwksFile = join(dir, "jwks.json");
  const signingKeyFile = join(dir, `${kid}.private.jwk.json`);
  writeFileSync(jwksFile, `${JSON.stringify({ keys: [key.publicJwk] }, null, 2)}\n`);
  writeFileSync(signingKeyFile, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600 });
  chmodSync(signingKeyFile, 0o600);
  const issuer = "local-crm-rails";
  return { issuer, signingKeyFile, issuersEnv: JSON.stringify([{ issuer, keys: jwksFile }]) };
}

export interface StackEnvInput {
  /** Endpoints, region and credentials (LocalStack.env). */
  stack: Readonly<Record<string, string>>;
  /** Resource names (CreatedResources.env). */
  resources: Readonly<Record<string, string>>;
  /** The consumer's stream event as serverless.yml declares it: the on-failure destination, the log group. */
  consumer: Pick<StreamEventSettings, "functionName" | "onFailure"> | undefined;
  audience: string;
  producer: LocalProducer;
}

/**
 * Every variable a `kjp` command reads, for one local stack: the same names operations.md's setup exports
 * from a deployed stack, plus KJP_LOCAL_STACK=1, which makes every AWS client refuse an endpoint off this
 * machine (lib/aws/local-endpoint-guard.ts).
 */
export function stackEnvVars(input: StackEnvInput): Record<string, string> {
  const { stack, resources, consumer, producer } = input;
  const vars: Record<string, string> = { ...stack, KJP_LOCAL_STACK: "1", ...resources };
  if (resources.KJP_STREAM_NAME) vars.KJP_STREAM = resources.KJP_STREAM_NAME;
  if (consumer?.onFailure) vars.KJP_ONFAILURE_DESTINATION = consumer.onFailure.type;
  if (consumer) vars.KJP_CONSUMER_LOG_GROUP = `/aws/lambda/${consumer.functionName}`;
  vars.KJP_AUDIENCE = input.audience;
  vars.KJP_ISSUERS = producer.issuersEnv;
  vars.KJP_ISSUER = producer.issuer;
  vars.KJP_SIGNING_KEY = producer.signingKeyFile;
  return vars;
}
