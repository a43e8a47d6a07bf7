import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { clientSettings } from "../../lib/aws/client-settings.js";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { logsClient } from "../../lib/aws/logs-client.js";
import { s3Client } from "../../lib/aws/s3-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { optionalSetting, requiredSetting } from "../../lib/config/env.js";
import { horizonFromEnv } from "../../lib/config/replay-config.js";
import { verifierOptionsFromEnv } from "../../lib/config/verifier-config.js";
import { createVerifier, type Verifier } from "../../lib/envelope/verify.js";
import type { ReplayEngineDeps } from "../../lib/replay/engine.js";
import { replayEngineDepsFromEnv } from "../../handlers/wiring/replay-engine.js";
import { registry } from "../../schemas/index.js";
import type { ConsoleContext } from "./api.js";
import { loadAssets } from "./assets.js";
import { ReplayJobs } from "./replay-jobs.js";
import { ActivityCache } from "./activity-cache.js";
import { OutcomeCounterCache } from "./outcome-cache.js";
import { OVERVIEW_MAX_HOURS } from "./api-schemas.js";
import { type ConsoleServer, startConsoleServer } from "./server.js";

export interface ConsoleOptions {
  env: NodeJS.ProcessEnv;
  port: number;
  allowReplay: boolean;
  /** Fixed secrets (tests); random by default. */
  token?: string;
  csrfToken?: string;
  /** The replay engine; default the consumer's pipeline from the environment (as `kjp replay`). */
  engine?: (env: NodeJS.ProcessEnv, context: ConsoleContext) => ReplayEngineDeps;
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * The operator console against whatever the environment points at (embedded stack, LocalStack, or AWS through
 * the SDK's usual credentials): the ledger table is required; key sets, the stream and the replay pipeline are
 * read from the same settings as the consumer, when a page first needs them.
 */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const env = options.env;
  const ledgerTable = requiredSetting(
    env,
    "KJP_LEDGER_TABLE",
    "point it at the ledger table (kjp dev prints it)",
  );
  const streamName = optionalSetting(env, "KJP_STREAM_NAME");
  const clients = {
    dynamodb: dynamoDbClient(),
    kinesis: kinesisClient(),
    sqs: sqsClient(),
    s3: s3Client(),
    logs: logsClient(),
  };
  const horizonSec = horizonFromEnv(env);
  // The consumer's CloudWatch metrics exist only on a deployed stage: the console reads them when told where.
  const metricsNamespace = optionalSetting(env, "KJP_METRICS_NAMESPACE");
  const metrics = metricsNamespace
    ? {
        cloudwatch: new CloudWatchClient(clientSettings({}, "CLOUDWATCH")),
        source: {
          namespace: metricsNamespace,
          service: optionalSetting(env, "KJP_METRICS_SERVICE") ?? "kinesis-jwt-pipeline",
        },
      }
    : undefined;
  const context: ConsoleContext = {
    env,
    clients,
    ledgerTable,
    ...(streamName ? { streamName } : {}),
    horizonSec,
    verifier: once((): Verifier => createVerifier(verifierOptionsFromEnv(env, registry))),
    engine: once(() =>
      options.engine
        ? options.engine(env, context)
        : replayEngineDepsFromEnv(env, clients.dynamodb, { horizonSec }),
    ),
    issuers: () => {
      const raw = optionalSetting(env, "KJP_ISSUERS");
      if (!raw) return [];
      const parsed: unknown = JSON.parse(raw);
      return Array.isArray(parsed)
        ? parsed.flatMap((e: unknown) => {
            const { issuer, keys } = (e ?? {}) as { issuer?: unknown; keys?: unknown };
            return typeof issuer === "string" && typeof keys === "string" ? [{ issuer, keys }] : [];
          })
        : [];
    },
    jobs: new ReplayJobs(),
    activity: new ActivityCache(clients.dynamodb, ledgerTable, OVERVIEW_MAX_HOURS, Date.now),
    counters: new OutcomeCounterCache(clients.dynamodb, ledgerTable, OVERVIEW_MAX_HOURS, Date.now),
    ...(metrics ? { metrics } : {}),
    allowReplay: options.allowReplay,
    now: Date.now,
  };
  // Fill the overview's cache while the operator opens the page; a failure here shows on the page instead.
  context.activity.refresh().catch(() => undefined);
  context.counters.refresh().catch(() => undefined);
  const server = await startConsoleServer({
    context,
    assets: await loadAssets(),
    port: options.port,
    ...(options.token ? { token: options.token } : {}),
    ...(options.csrfToken ? { csrfToken: options.csrfToken } : {}),
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      for (const client of Object.values(clients)) client.destroy();
      metrics?.cloudwatch.destroy();
    },
  };
}
