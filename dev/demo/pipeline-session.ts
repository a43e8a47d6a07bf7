import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { logsClient } from "../../lib/aws/logs-client.js";
import { s3Client } from "../../lib/aws/s3-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { loadServiceDefinition } from "../service-definition/service-definition.js";
import { KjpError } from "../../lib/errors/kjp-error.js";
import { startDevStack } from "../local/dev-stack.js";
import { startLocalStackAsStack, type StackKind } from "../localstack/as-stack.js";
import { withProgress } from "../local/progress-ticker.js";
import { motoNeedsInstall } from "../local/moto.js";
import { publishStackEnv, type PublishedStackEnv } from "../local/stack-env-publisher.js";
import { kjpDir } from "../local/project-paths.js";
import { projectRoot } from "../../lib/util/project-root.js";
import {
  createResources,
  defaultResourceClients,
  destroyResourceClients,
  type CreatedResources,
} from "../local/resources.js";
import { createConsumerHandler } from "../../lib/pipeline/consumer-handler.js";
import { consumerDepsFromEnv } from "../../handlers/wiring/consumer.js";
import { EventSourceMappingRunner } from "../runner/runner.js";
import { readStreamEventSettings } from "../service-definition/stream-event.js";
import { lambdaRuntimeEnv } from "../runner/function-env.js";
import { CheckpointStore } from "../runner/checkpoint-store.js";
import { readShardTips } from "../../lib/kinesis/shard-tips.js";
import { createDemoKeys, DEMO_ISSUERS, type DemoKeys } from "./demo-keys.js";
import { emptyTally, ObservedMetrics, type ConsumerTally } from "./observed-metrics.js";
import { optionalSetting } from "../../lib/config/env.js";
import { createHttpApiKeys, withTrustedIssuer } from "../http/http-api-keys.js";
import { startHttpApiSession, type HttpApiSession } from "../http/http-api-session.js";

import { LOCAL_AUDIENCE } from "../local/stack-env-vars.js";

export const DEFAULT_AUDIENCE = LOCAL_AUDIENCE;

export interface PipelineSessionOptions {
  stage?: string;
  /** Where the run's keys go (default .kjp/demo). */
  keysDir?: string;
  /**
   * Start reading the stream at this time (seconds, may be fractional) instead of serverless.yml's position.
   * Default: on a reused stack (its stream holds other people's records) after each shard's current tip, by
   * sequence number; serverless.yml's position otherwise.
   */
  startAtSeconds?: number;
  /**
   * Keep everything under this folder and resume from it (kjp dev): the emulators' data (stream records,
   * tables), the runner's checkpoints and the keys. Without it a run is throw-away (the demo).
   */
  persistDir?: string;
  /** What to start when the environment points at no stack (default embedded). */
  stack?: StackKind;
  /** Echo the consumer's log lines to stdout (kjp dev). */
  echoLogs?: boolean;
  log?: (line: string) => void;
  /**
   * Serve serverless.yml's HTTP API too (default true): on `httpPort` (default 0, a free port), trusting
   * access tokens from `accessIssuers` (default: the demo's Rails issuer).
   */
  http?: boolean;
  httpPort?: number;
  accessIssuers?: string;
}

export interface PipelineSession {
  /** The stack was already running (AWS_ENDPOINT_URL_* or AWS_ENDPOINT_URL set): nothing was started. */
  reused: boolean;
  resources: CreatedResources;
  keys: DemoKeys;
  audience: string;
  /** Everything a shell needs to use `kjp` against this session (the `export` lines of envFile). */
  exports: Record<string, string>;
  envFile: string;
  runner: EventSourceMappingRunner;
  /** The local HTTP API (absent with `http: false`). */
  httpApi?: HttpApiSession;
  /** The consumer's own counts (its EMF metrics), summed over invocations. */
  consumer: ConsumerTally;
  startMs: number;
  stop(): Promise<void>;
}

/** True when the environment already points the SDK at a running stack (integration harness, `source .kjp/stack.env`, LocalStack). */
export function stackAlreadyRunning(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL || (env.AWS_ENDPOINT_URL_KINESIS && env.AWS_ENDPOINT_URL_DYNAMODB));
}

// Service names may hold digits (AWS_ENDPOINT_URL_S3): a missing one would send that service to real AWS.
const STACK_ENV_NAMES =
  /^(AWS_ENDPOINT_URL(_[A-Z0-9_]+)?|AWS_REGION|AWS_DEFAULT_REGION|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)$/;

async function reuseStack(
  stage: string,
): Promise<{ resources: CreatedResources; stackEnv: PublishedStackEnv; stop: () => Promise<void> }> {
  const clients = defaultResourceClients();
  try {
    const definition = loadServiceDefinition({ stage, region: process.env.AWS_REGION ?? "us-east-1" });
    const resources = await createResources(definition, clients);
    // This session's runner and consumer are a running stack of their own for another shell: own env file.
    const stack = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => STACK_ENV_NAMES.test(k)) as [string, string][],
    );
    const stackEnv = await publishStackEnv({ stack, resources: resources.env, definition });
    return { resources, stackEnv, stop: async () => stackEnv.remove() };
  } catch (error) {
    throw new KjpError(
      "stack_unreachable",
      `AWS_ENDPOINT_URL_* is set but the stack there could not be prepared: ${(error as Error).message}`,
      {
        hint: "Start it (npm run stack:up) or unset the AWS_ENDPOINT_URL_* variables to let the demo start its own.",
        retryable: true,
        cause: error,
      },
    );
  } finally {
    destroyResourceClients(clients);
  }
}

/**
 * The local pipeline: the stack (started, or reused when the environment points at one), serverless.yml's
 * resources, fresh demo keys, and the event source mapping runner calling the real consumer handler
 * configured through its environment. Shared by `kjp dev` and `npm start`.
 */
export async function startPipelineSession(options: PipelineSessionOptions = {}): Promise<PipelineSession> {
  const started = Date.now();
  const stage = options.stage ?? "local";
  const log = options.log ?? ((line: string) => console.log(line));
  const reused = stackAlreadyRunning();
  const persistDir = options.persistDir;
  const checkpointsDir = persistDir ? join(persistDir, "checkpoints") : undefined;
  // A persistent session that has checkpoints resumes from them, wherever the stack comes from.
  const resuming =
    checkpointsDir !== undefined && existsSync(checkpointsDir) && readdirSync(checkpointsDir).length > 0;
  const startAtSeconds = options.startAtSeconds;
  let stopStack: () => Promise<void>;
  let resources: CreatedResources;
  let stackEnv: PublishedStackEnv;
  if (reused) {
    log(
      `Using the running stack from the environment (Kinesis ${process.env.AWS_ENDPOINT_URL_KINESIS ?? process.env.AWS_ENDPOINT_URL}).`,
    );
    ({ resources, stackEnv, stop: stopStack } = await reuseStack(stage));
  } else {
    const localstack = options.stack === "localstack";
    const installing = !localstack && motoNeedsInstall();
    if (installing)
      log(
        "First run: installing moto (SQS, S3, CloudWatch Logs emulator) into .venv from PyPI; this takes a minute, once.",
      );
    log(
      localstack
        ? "Starting LocalStack (host mode; installs into .venv-localstack on first use)..."
        : "Starting the local stack (kinesis-mock, DynamoDB Local, moto)...",
    );
    const dev = await withProgress(
      localstack
        ? "starting LocalStack"
        : installing
          ? "installing moto into .venv, then starting the emulators"
          : "starting the emulators",
      startDevStack({
        stage,
        ...(localstack ? { startStack: startLocalStackAsStack } : {}),
        ...(persistDir ? { dataDir: join(persistDir, "data") } : {}),
      }),
      log,
    );
    resources = dev.resources;
    stackEnv = dev.stackEnv;
    stopStack = () => dev.stop();
    log(
      `Local stack up in ${dev.timings.stackMs} ms, resources ready in ${dev.timings.resourcesMs} ms (${dev.stack.emulators
        .map((e) => `${e.name} ${e.endpoint}`)
        .join(", ")})`,
    );
  }

  const stateDir = checkpointsDir ?? mkdtempSync(join(tmpdir(), "kjp-runner-"));
  if (checkpointsDir) mkdirSync(checkpointsDir, { recursive: true });
  // Our own clients, closed before the emulators stop: a kept-alive socket makes kinesis-mock wait out its
  // shutdown grace period.
  const dynamodb = dynamoDbClient();
  const clients = { kinesis: kinesisClient(), sqs: sqsClient(), s3: s3Client(), logs: logsClient() };
  let stopHttp = async () => undefined as void;
  let stopRunner = async () => undefined as void;
  // Also what a failed start runs: a runner left polling would keep the process alive (and deaf to Ctrl-C)
  // after, say, the HTTP port turned out to be taken.
  const cleanup = async () => {
    try {
      await stopRunner();
    } finally {
      await stopHttp();
      dynamodb.destroy();
      for (const c of Object.values(clients)) c.destroy();
      if (!checkpointsDir) rmSync(stateDir, { recursive: true, force: true });
      await stopStack();
    }
  };
  try {
    const audience = optionalSetting(process.env, "KJP_AUDIENCE") ?? DEFAULT_AUDIENCE;
    const keys = await createDemoKeys(options.keysDir ?? kjpDir("demo"), audience, {
      reuse: persistDir !== undefined,
    });
    // The HTTP API signs the notes browsers post with its own key: the consumer trusts it as one more producer.
    const httpKeys = await createHttpApiKeys(keys.dir);
    keys.issuersEnv = withTrustedIssuer(keys.issuersEnv, httpKeys.trustEntry);
    const settings = readStreamEventSettings(join(projectRoot(), "serverless.yml"), { stage });
    const consumerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...resources.env,
      ...lambdaRuntimeEnv(settings),
      KJP_AUDIENCE: audience,
      KJP_ISSUERS: keys.issuersEnv,
    };
    const consumer = emptyTally();
    // Lambda's init phase for this in-process function: configuration, key sets, clients, the handler.
    const initStarted = performance.now();
    const deps = consumerDepsFromEnv(consumerEnv, dynamodb);
    // Same namespace and service as consumerDepsFromEnv's own Metrics, which this one stands in for.
    const metrics = new ObservedMetrics(
      {
        namespace: consumerEnv.POWERTOOLS_METRICS_NAMESPACE ?? "kjp",
        serviceName: consumerEnv.POWERTOOLS_SERVICE_NAME ?? "kjp-consumer",
      },
      consumer,
    );
    const handler = createConsumerHandler({ ...deps, metrics });
    const initDurationMs = performance.now() - initStarted;

    // Our own stream position: a fresh checkpoint folder, and (on a shared stack) only records from now on,
    // by sequence number: each shard's current tip becomes its checkpoint (empty shards start at the horizon).
    const runner = new EventSourceMappingRunner({
      clients,
      handler,
      initDurationMs,
      settings:
        startAtSeconds !== undefined
          ? { ...settings, startingPosition: "AT_TIMESTAMP", startingPositionTimestamp: startAtSeconds }
          : reused
            ? { ...settings, startingPosition: "TRIM_HORIZON" }
            : settings,
      stateDir,
      echoLogs: options.echoLogs ?? false,
    });
    // A resumed session keeps its own checkpoints: what was published while it was down is read.
    if (startAtSeconds === undefined && reused && !resuming) {
      const checkpoints = await CheckpointStore.open(stateDir, runner.streamName, runner.functionName);
      for (const [shardId, tip] of Object.entries(await readShardTips(clients.kinesis, runner.streamName)))
        if (tip) await checkpoints.commit(shardId, { sequenceNumber: tip });
    }
    stopRunner = () => runner.stop();
    await runner.start();
    let httpApi: HttpApiSession | undefined;
    if (options.http !== false) {
      httpApi = await startHttpApiSession({
        stage,
        env: consumerEnv,
        keys: httpKeys,
        accessIssuers:
          options.accessIssuers ??
          JSON.stringify(
            (JSON.parse(keys.issuersEnv) as { issuer: string }[]).filter(
              (i) => i.issuer === DEMO_ISSUERS.crm,
            ),
          ),
        dynamodb,
        kinesis: clients.kinesis,
        port: options.httpPort ?? 0,
      });
      stopHttp = () => httpApi!.stop();
    }

    // The consumer now reading the stack trusts the demo keys: the env file signs as the demo's CRM.
    stackEnv.setProducer(
      {
        issuer: DEMO_ISSUERS.crm,
        signingKeyFile: join(keys.dir, "private.crm.json"),
        issuersEnv: keys.issuersEnv,
      },
      audience,
    );
    const exports = {
      ...stackEnv.vars(),
      ...(httpApi ? { KJP_HTTP_API_URL: httpApi.url, KJP_HTTP_AUDIENCE: httpApi.audience } : {}),
    };
    let stopped: Promise<void> | undefined;
    return {
      reused,
      resources,
      keys,
      audience,
      exports,
      envFile: stackEnv.path,
      runner,
      ...(httpApi ? { httpApi } : {}),
      consumer,
      startMs: Date.now() - started,
      stop: () =>
        (stopped ??= (async () => {
          // Nothing else may hold the event loop while we wait for the runner and the emulators to stop.
          const keepAlive = setInterval(() => undefined, 1_000);
          try {
            await cleanup();
          } finally {
            clearInterval(keepAlive);
          }
        })()),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
