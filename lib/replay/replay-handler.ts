import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
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
