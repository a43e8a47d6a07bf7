import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { dynamoDbClient, kinesisClient, sqsClient } from "../aws/clients.js";
import { ConfigurationError } from "../errors/kjp-error.js";
import { replayEngineDepsFromEnv } from "./replay-deps.js";
import { type DrainDeps, type DrainResult, drainOnFailureQueue } from "./scheduled-drain.js";

export type ReplayHandler = (
  event: ScheduledEvent | Record<string, never>,
  context: Context,
) => Promise<DrainResult>;

/** The scheduled replay function around drainOnFailureQueue: one structured summary line per invocation. */
export function createReplayHandler(deps: DrainDeps, logger: Logger): ReplayHandler {
  const base = async (_event: unknown, context: Context): Promise<DrainResult> => {
    const remaining = () =>
      typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : 300_000;
    const result = await drainOnFailureQueue(
      { ...deps, log: (message, fields) => logger.warn(message, fields) },
      remaining,
    );
    const level = result.deadLettered > 0 || result.deferred > 0 ? "warn" : "info";
    logger[level]("replay drained the on-failure queue", {
      ...result,
      summary: {
        ...result.summary,
        unrecoverable: result.summary.unrecoverable.map((u) => ({
          candidate: u.candidate,
          code: u.code,
          detail: u.detail,
        })),
      },
    });
    return result;
  };
  return middy(base).use(injectLambdaContext(logger)) as unknown as ReplayHandler;
}

const positive = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new ConfigurationError(`${name} must be a positive whole number, got "${raw}"`);
  return Number(raw);
};

/**
 * Configuration from the environment, checked at cold start: the consumer's own settings (tables, issuers,
 * audience) plus KJP_ONFAILURE_QUEUE_URL, KJP_REPLAY_DLQ_URL, KJP_REPLAY_HORIZON (default 7d),
 * KJP_REPLAY_MAX_MESSAGES (500), KJP_REPLAY_BACKOFF_BASE_S (60), KJP_REPLAY_BACKOFF_MAX_S (3600).
 */
export function replayHandlerFromEnv(env: NodeJS.ProcessEnv): ReplayHandler {
  const queueUrl = env.KJP_ONFAILURE_QUEUE_URL?.trim();
  if (!queueUrl)
    throw new ConfigurationError(
      "KJP_ONFAILURE_QUEUE_URL is not set",
      "set it to the on-failure queue's URL (serverless.yml: !Ref OnFailureQueue)",
    );
  const dlqUrl = env.KJP_REPLAY_DLQ_URL?.trim();
  if (!dlqUrl)
    throw new ConfigurationError(
      "KJP_REPLAY_DLQ_URL is not set",
      "set it to the replay dead-letter queue's URL (serverless.yml: !Ref ReplayDlq)",
    );
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? "kjp-replay" });
  const engine = replayEngineDepsFromEnv(env, dynamoDbClient(), { logger });
  return createReplayHandler(
    {
      sqs: sqsClient(),
      kinesis: kinesisClient(),
      engine,
      queueUrl,
      dlqUrl,
      maxMessages: positive(env, "KJP_REPLAY_MAX_MESSAGES", 500),
      backoffBaseSec: positive(env, "KJP_REPLAY_BACKOFF_BASE_S", 60),
      backoffMaxSec: positive(env, "KJP_REPLAY_BACKOFF_MAX_S", 3_600),
    },
    logger,
  );
}
