import type { ServiceClients, ServiceName } from "../aws/load-clients.js";
import { optionalSetting } from "../config/env.js";
import { ConfigurationError } from "../errors/kjp-error.js";
import { onFailureDestination } from "./onfailure-destination.js";
import type { ReplayCandidate, ReplayFilters } from "./types.js";

/**
 * Where a replay takes its candidates from, as an operator chooses it (`kjp replay --from …`, the console's
 * Replay page). Settings left out fall back to the environment (KJP_ONFAILURE_QUEUE_URL, KJP_ONFAILURE_BUCKET,
 * KJP_CONSUMER_LOG_GROUP, KJP_STREAM_NAME).
 */
export type SourceSelection =
  | { from: "ledger"; status?: "rejected" | "failed" }
  | {
      from: "onfailure";
      queueUrl?: string;
      bucket?: string;
      prefix?: string;
      deleteReplayed?: boolean;
      visibilityTimeoutSec?: number;
    }
  | { from: "cloudwatch"; logGroup?: string };

export type SourceClients = ServiceClients;

export interface SourceContext {
  clients: SourceClients;
  env: NodeJS.ProcessEnv;
  ledgerTable: string;
  filters: ReplayFilters;
  limit?: number;
  /** The stream records are re-read from when a source holds only their position. */
  streamName?: string;
  /** Whether the stream name was given explicitly (the SQS source otherwise takes it from the on-failure record). */
  streamGiven?: boolean;
  /** A dry run: the SQS source then hides messages long enough to count them all, and shows them again after. */
  dryRun?: boolean;
}

/**
 * The clients selectSource reads for this selection (source-selection.test.ts holds the two together), so a
 * command builds only those. Throws ConfigurationError as selectSource does for an unknown on-failure destination.
 */
export function clientsFor(
  selection: SourceSelection,
  ctx: Pick<SourceContext, "env" | "streamName">,
): ServiceName[] {
  const stream: ServiceName[] = ctx.streamName ? ["kinesis"] : [];
  if (selection.from === "ledger") return ["dynamodb", ...stream];
  if (selection.from === "onfailure")
    return onFailureDestination(selection, ctx.env).kind === "s3" ? ["s3"] : ["sqs", "kinesis"];
  return ["logs", ...stream];
}

/**
 * A source whose module is imported when the replay starts reading it: each source's module loads the SDK
 * packages it calls (100 ms or more of CPU each), so a replay pays only for the one it reads. The sources are
 * async generators, which do nothing before their first read either.
 */
function loadedOnRead(load: () => Promise<AsyncIterable<ReplayCandidate>>): AsyncIterable<ReplayCandidate> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* await load();
    },
  };
}

/**
 * The candidates of the chosen source; throws ConfigurationError when a needed setting is missing. The clients
 * are taken here, the source's module only when it is read (loadedOnRead).
 */
export function selectSource(selection: SourceSelection, ctx: SourceContext): AsyncIterable<ReplayCandidate> {
  const { clients, env, filters, limit } = ctx;
  const stream = ctx.streamName ? { kinesis: clients.kinesis, streamName: ctx.streamName } : undefined;
  const bounded = limit ? { limit } : {};
  if (selection.from === "ledger") {
    const options = {
      dynamodb: clients.dynamodb,
      ledgerTable: ctx.ledgerTable,
      filters,
      ...(selection.status ? { statuses: [selection.status] } : {}),
      ...bounded,
      ...(stream ? { stream } : {}),
    };
    return loadedOnRead(async () => (await import("./ledger-source.js")).ledgerSource(options));
  }
  if (selection.from === "onfailure") {
    const destination = onFailureDestination(selection, env);
    const visibility = selection.visibilityTimeoutSec ?? 900;
    if (destination.kind === "s3") {
      const options = {
        s3: clients.s3,
        bucket: destination.bucket,
        prefix: selection.prefix ?? "",
        filters,
        deleteReplayed: selection.deleteReplayed ?? false,
        ...bounded,
      };
      return loadedOnRead(async () => (await import("./onfailure-s3-source.js")).onFailureS3Source(options));
    }
    const sqs = clients.sqs;
    const kinesis = clients.kinesis;
    return loadedOnRead(async () => {
      const { DRY_RUN_MIN_VISIBILITY_SEC, onFailureSqsSource } = await import("./onfailure-sqs-source.js");
      return onFailureSqsSource({
        sqs,
        kinesis,
        queueUrl: destination.queueUrl,
        // A dry run hides what it received long enough to receive every queued batch once (a short timeout
        // would hand the same messages back and stop the count early), then shows them again.
        visibilityTimeoutSec: ctx.dryRun ? Math.max(visibility, DRY_RUN_MIN_VISIBILITY_SEC) : visibility,
        releaseWhenDone: ctx.dryRun === true,
        ...(ctx.streamGiven && ctx.streamName ? { streamName: ctx.streamName } : {}),
        ...bounded,
      });
    });
  }
  const logGroup = selection.logGroup ?? optionalSetting(env, "KJP_CONSUMER_LOG_GROUP");
  if (!logGroup)
    throw new ConfigurationError(
      "--from cloudwatch needs --log-group (the consumer's log group)",
      "pass --log-group /aws/lambda/<consumer function name>",
    );
  const options = { logs: clients.logs, logGroup, filters, ...(stream ? { stream } : {}), ...bounded };
  return loadedOnRead(async () => (await import("./cloudwatch-source.js")).cloudWatchSource(options));
}
