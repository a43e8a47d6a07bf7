import { join } from "node:path";
import type { Emulator } from "./emulator.js";
import { startDynamoDbLocal } from "./dynamodb-local.js";
import { startKinesisMock } from "./kinesis-mock.js";
import { startMoto } from "./moto.js";

export interface LocalStackOptions {
  region?: string;
  /** Persist DynamoDB and Kinesis data under this folder (default: in memory, gone on stop). */
  dataDir?: string;
  ports?: { dynamodb?: number; kinesis?: number; moto?: number };
  startTimeoutMs?: number;
}

/** The variables a process needs to talk to the stack with the AWS SDK (it reads AWS_ENDPOINT_URL_* itself). */
export interface LocalStackEnv {
  AWS_ENDPOINT_URL_DYNAMODB: string;
  AWS_ENDPOINT_URL_KINESIS: string;
  AWS_ENDPOINT_URL_SQS: string;
  AWS_ENDPOINT_URL_S3: string;
  AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: string;
  AWS_ENDPOINT_URL_CLOUDWATCH: string;
  AWS_ENDPOINT_URL_SSM: string;
  AWS_ENDPOINT_URL_SECRETS_MANAGER: string;
  AWS_REGION: string;
  /** The AWS CLI (v1) and older tools read this one rather than AWS_REGION. */
  AWS_DEFAULT_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  [name: string]: string;
}

export interface LocalStack {
  /** True when AWS_ENDPOINT_URL pointed at an existing stack (LocalStack) and nothing was started. */
  external: boolean;
  emulators: Emulator[];
  endpoints: { dynamodb: string; kinesis: string; sqs: string; s3: string; logs: string };
  env: LocalStackEnv;
  /** Wall-clock milliseconds for the whole stack to become healthy. */
  startMs: number;
  stop(): Promise<void>;
}

export function envFor(
  region: string,
  e: { dynamodb: string; kinesis: string; moto: string },
): LocalStackEnv {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
    AWS_ENDPOINT_URL_KINESIS: e.kinesis,
    AWS_ENDPOINT_URL_SQS: e.moto,
    AWS_ENDPOINT_URL_S3: e.moto,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: e.moto,
    AWS_ENDPOINT_URL_CLOUDWATCH: e.moto,
    AWS_ENDPOINT_URL_SSM: e.moto,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: e.moto,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // Emulators accept any credentials; kinesis-mock maps a 12-digit key id to an account, so use a plain word.
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "local",
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
  };
}

/**
 * Starts the embedded stack (kinesis-mock, DynamoDB Local, moto) concurrently on free loopback ports.
 * With AWS_ENDPOINT_URL set (e.g. LocalStack from docker-compose.yml) it starts nothing and points every
 * service there instead. If one emulator fails, the others are stopped before the error is rethrown.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const started = Date.now();
  const external = process.env.AWS_ENDPOINT_URL;
  if (external) {
    const env = envFor(region, { dynamodb: external, kinesis: external, moto: external });
    const endpoints = { dynamodb: external, kinesis: external, sqs: external, s3: external, logs: external };
    return { external: true, emulators: [], endpoints, env, startMs: 0, stop: async () => undefined };
  }

  const timeout = opts.startTimeoutMs;
  const results = await Promise.allSettled([
    startKinesisMock({
      port: opts.ports?.kinesis,
      region,
      dataDir: opts.dataDir && join(opts.dataDir, "kinesis"),
      startTimeoutMs: timeout,
    }),
    startDynamoDbLocal({
      port: opts.ports?.dynamodb,
      dataDir: opts.dataDir && join(opts.dataDir, "dynamodb"),
      startTimeoutMs: timeout,
    }),
    startMoto({ port: opts.ports?.moto, startTimeoutMs: timeout }),
  ]);
  const emulators = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    await Promise.allSettled(emulators.map((e) => e.stop()));
    throw failure.reason;
  }
  const [kinesis, dynamodb, moto] = emulators as [Emulator, Emulator, Emulator];
  const env = envFor(region, { dynamodb: dynamodb.endpoint, kinesis: kinesis.endpoint, moto: moto.endpoint });
  return {
    external: false,
    emulators,
    endpoints: {
      dynamodb: dynamodb.endpoint,
      kinesis: kinesis.endpoint,
      sqs: moto.endpoint,
      s3: moto.endpoint,
      logs: moto.endpoint,
    },
    env,
    startMs: Date.now() - started,
    stop: async () => {
      await Promise.allSettled(emulators.map((e) => e.stop()));
    },
  };
}

/** Points this process's AWS SDK clients at the stack (child processes inherit it too). */
export function applyStackEnv(stack: LocalStack, target: NodeJS.ProcessEnv = process.env): void {
  Object.assign(target, stack.env);
}
