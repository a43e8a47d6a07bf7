import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
} from "@aws-sdk/client-kinesis";
import type { S3Client } from "@aws-sdk/client-s3";
import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { logsClient } from "../../lib/aws/logs-client.js";
import { s3Client } from "../../lib/aws/s3-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { ConfigurationError, KjpError } from "../../lib/errors/kjp-error.js";
import { CheckpointStore, DEFAULT_STATE_DIR } from "./checkpoint-store.js";
import { toEvent, type EventContext, type StreamRecord } from "../../lib/kinesis/event-record.js";
import { Invoker, type StreamHandler } from "./invoker.js";
import { logGroupName, logStreamName } from "./lambda-log-lines.js";
import { installLogCapture, outsideCapture } from "./log-capture.js";
import { LogShipper } from "./log-shipper.js";
import { buildOnFailureRecord, sendOnFailure, type OnFailureDestination } from "./on-failure.js";
import { readStreamEventSettings, type StreamEventSettings } from "../service-definition/stream-event.js";
import { ShardPoller, type DiscardInfo, type ShardEvent } from "./shard-poller.js";
import { sleep } from "./signal.js";

/**
 * Plays Lambda's Kinesis event source mapping against a real Kinesis API (kinesis-mock locally), calling the
 * function in-process. Settings come from serverless.yml (readStreamEventSettings); everything the mapping
 * does on failure goes to real services (on-failure destination on SQS/S3, log lines to CloudWatch Logs).
 */
export type OnFailureOverride = { type: "sqs"; queueUrl: string } | { type: "s3"; bucket: string };

export interface RunnerOptions {
  handler: StreamHandler;
  /** How long building `handler` took: the first REPORT line's Init Duration (omitted when not given). */
  initDurationMs?: number;
  settings: StreamEventSettings;
  /** Defaults to the stream named in serverless.yml. */
  streamName?: string;
  /** Deployed function name (log group, ARNs); defaults to the one serverless.yml gives. */
  functionName?: string;
  /** Where discarded batches go; defaults to the destination serverless.yml declares, looked up by name. */
  onFailure?: OnFailureOverride;
  /** Checkpoint folder; default `.kjp/runner` under the working directory. */
  stateDir?: string;
  region?: string;
  accountId?: string;
  invokeIdentityArn?: string;
  clients?: { kinesis?: KinesisClient; sqs?: SQSClient; s3?: S3Client; logs?: CloudWatchLogsClient };
  /** Ship the function's log lines to CloudWatch Logs (default true). */
  shipLogs?: boolean;
  /** Also write the function's log lines to this process's stdout (e.g. for `kjp dev`). */
  echoLogs?: boolean;
  logFlushIntervalMs?: number;
  /** Sleep between GetRecords calls when a shard is caught up (Lambda polls once a second; default 250 ms). */
  pollIntervalMs?: number;
  /** Pause before retrying a failed batch (default 100 ms). */
  retryDelayMs?: number;
  /** How often to look for new shards (resharding); default 5 s. */
  shardRefreshMs?: number;
  /** Clock for record age and batching windows (tests move it forward instead of waiting). */
  now?: () => number;
}

export interface RunnerStats {
  /** Function invocations (every retry and bisected half counts). */
  invocations: number;
  /** Invocations that returned or threw (batches handed to the function). */
  batches: number;
  /** Records handed to the function, counting a record again each time it is retried. */
  records: number;
  succeededBatches: number;
  partialFailures: number;
  functionErrors: number;
  invalidResponses: number;
  retries: number;
  bisects: number;
  /** On-failure records accepted by the destination. */
  onFailureSends: number;
  /** Records given up on (retries exhausted or too old). */
  discardedRecords: number;
  /** Checkpoint moves written. */
  checkpoints: number;
  /** Problems talking to AWS (GetRecords, destination, CloudWatch Logs): see the `problem` event. */
  errors: number;
}

export interface ShardStatus {
  shardId: string;
  checkpoint: string | undefined;
  inFlight: number;
  finished: boolean;
}

export interface RunnerEvents {
  batch: [Extract<ShardEvent, { type: "batch" }>];
  retry: [Extract<ShardEvent, { type: "retry" }>];
  bisect: [Extract<ShardEvent, { type: "bisect" }>];
  discard: [Extract<ShardEvent, { type: "discard" }>];
  checkpoint: [Extract<ShardEvent, { type: "checkpoint" }>];
  onFailure: [{ destination: string; location: string; condition: string; size: number }];
  problem: [{ shardId?: string; where: string; error: unknown }];
}

export class EventSourceMappingRunner extends EventEmitter<RunnerEvents> {
  readonly stats: RunnerStats = {
    invocations: 0,
    batches: 0,
    records: 0,
    succeededBatches: 0,
    partialFailures: 0,
    functionErrors: 0,
    invalidResponses: 0,
    retries: 0,
    bisects: 0,
    onFailureSends: 0,
    discardedRecords: 0,
    checkpoints: 0,
    errors: 0,
  };
  readonly streamName: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly mappingUuid: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  private readonly region: string;
  private readonly kinesis: KinesisClient;
  private readonly now: () => number;
  private readonly pollers = new Map<string, ShardPoller>();
  /** Child shards waiting for their parents to be fully processed (resharding). */
  private readonly waitingShards = new Set<string>();
  private checkpoints: CheckpointStore | undefined;
  private shipper: LogShipper | undefined;
  private invoker: Invoker | undefined;
  private destination: OnFailureDestination | undefined;
  private eventContext: EventContext | undefined;
  private uninstallCapture: (() => void) | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";

  constructor(private readonly options: RunnerOptions) {
    super();
    const streamName = options.streamName ?? options.settings.streamName;
    if (!streamName) {
      throw new ConfigurationError(
        "the runner does not know which Kinesis stream to read",
        "Pass streamName, or name the stream resource in serverless.yml.",
      );
    }
    this.streamName = streamName;
    this.functionName = options.functionName ?? options.settings.functionName;
    this.region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
    const account = options.accountId ?? "123456789012";
    this.functionArn = `arn:aws:lambda:${this.region}:${account}:function:${this.functionName}`;
    this.mappingUuid = stableUuid(`${this.streamName}\n${this.functionName}`);
    this.logGroupName = logGroupName(this.functionName);
    this.now = options.now ?? Date.now;
    this.logStreamName = logStreamName(this.now());
    this.kinesis = options.clients?.kinesis ?? kinesisClient({ region: this.region });
  }

  get running(): boolean {
    return this.state === "running";
  }

  /** The resolved on-failure destination (queue URL or bucket name), once started. */
  get onFailureTarget(): string | undefined {
    if (!this.destination) return undefined;
    return this.destination.type === "sqs" ? this.destination.queueUrl : this.destination.bucket;
  }

  /** A runner configured from serverless.yml's `stream` event of `functionKey` (default "consumer"). */
  static fromServerlessYml(
    path: string,
    options: Omit<RunnerOptions, "settings"> & { stage?: string; functionKey?: string },
  ): EventSourceMappingRunner {
    const { stage, functionKey, ...rest } = options;
    const settings = readStreamEventSettings(path, {
      ...(stage ? { stage } : {}),
      ...(functionKey ? { functionKey } : {}),
      ...(rest.region ? { region: rest.region } : {}),
    });
    return new EventSourceMappingRunner({ ...rest, settings });
  }

  async start(): Promise<void> {
    if (this.state !== "new")
      throw new KjpError("runner_state", `the runner cannot start from state ${this.state}`, {
        hint: "Create a new runner to start again.",
      });
    this.state = "starting";
    const account = this.functionArn.split(":")[4];
    const summary = await this.kinesis
      .send(new DescribeStreamSummaryCommand({ StreamName: this.streamName }))
      .catch((error: unknown) => {
        throw new ConfigurationError(
          `Kinesis stream ${this.streamName} cannot be read: ${(error as Error).message}`,
          "Create the stream (the local stack does) and check AWS_ENDPOINT_URL_KINESIS.",
          error,
        );
      });
    this.eventContext = {
      awsRegion: this.region,
      eventSourceArn:
        summary.StreamDescriptionSummary?.StreamARN ??
        `arn:aws:kinesis:${this.region}:${account}:stream/${this.streamName}`,
      invokeIdentityArn:
        this.options.invokeIdentityArn ?? `arn:aws:iam::${account}:role/${this.functionName}-role`,
    };
    this.destination = await this.resolveDestination();
    this.checkpoints = await CheckpointStore.open(
      resolve(this.options.stateDir ?? DEFAULT_STATE_DIR),
      this.streamName,
      this.functionName,
    );

    if (this.options.shipLogs !== false) {
      this.shipper = new LogShipper(
        this.options.clients?.logs ?? logsClient({ region: this.region }),
        this.logGroupName,
        this.logStreamName,
        {
          ...(this.options.logFlushIntervalMs === undefined
            ? {}
            : { flushIntervalMs: this.options.logFlushIntervalMs }),
          onError: (error) => this.problem(undefined, "CloudWatch Logs", error),
        },
      );
      this.shipper.start();
    }
    const shipper = this.shipper;
    this.invoker = new Invoker(
      this.options.handler,
      {
        functionName: this.functionName,
        functionArn: this.functionArn,
        memorySizeMb: this.options.settings.memorySizeMb,
        timeoutSeconds: this.options.settings.timeoutSeconds,
        logGroupName: this.logGroupName,
        logStreamName: this.logStreamName,
      },
      (line, at) => shipper?.push(line, at),
      // Echoed lines must bypass the capture, or writing them would capture them again.
      this.options.echoLogs ? (text) => outsideCapture(() => process.stdout.write(text)) : undefined,
      this.options.initDurationMs,
    );
    this.uninstallCapture = installLogCapture();
    this.state = "running";
    if (this.options.settings.enabled) {
      await this.refreshShards();
      this.refreshTimer = setInterval(
        () => void this.refreshShards().catch((e: unknown) => this.problem(undefined, "ListShards", e)),
        this.options.shardRefreshMs ?? 5_000,
      );
      this.refreshTimer.unref();
    }
  }

  /** Finishes the batches in flight, writes their checkpoints, flushes the logs. Records not yet done are read again next start. */
  async stop(): Promise<void> {
    if (this.state === "stopped" || this.state === "new") {
      this.state = "stopped";
      return;
    }
    this.state = "stopping";
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    await this.checkpoints?.flush();
    await this.shipper?.stop();
    this.uninstallCapture?.();
    this.state = "stopped";
  }

  /**
   * Resolves once every shard has caught up with the end of the stream as of this call and nothing is queued,
   * in flight or waiting for a retry; checkpoints and log lines are flushed too. Rejects after `timeoutMs`.
   */
  async drain({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state !== "running")
      throw new KjpError("runner_state", `drain() needs a running runner (state: ${this.state})`);
    const since = Date.now();
    const deadline = since + timeoutMs;
    await this.refreshShards();
    for (;;) {
      if (this.state !== "running") throw new KjpError("runner_state", "the runner stopped while draining");
      const pollers = [...this.pollers.values()];
      if (
        this.waitingShards.size === 0 &&
        pollers.every((p) => p.finished || (p.caughtUpAtMs >= since && p.idle))
      )
        break;
      if (Date.now() > deadline) {
        const behind = pollers
          .filter((p) => !(p.finished || (p.caughtUpAtMs >= since && p.idle)))
          .map((p) => p.shardId);
        throw new KjpError(
          "runner_drain_timeout",
          `the runner did not drain within ${timeoutMs} ms (shards not caught up: ${behind.join(", ")})`,
          {
            hint: "A batch may be failing and retrying (see the runner's retry events), or the stream is still receiving records.",
            retryable: true,
          },
        );
      }
      await sleep(25);
    }
    await this.checkpoints?.flush();
    await this.shipper?.flush();
  }

  /** Per shard: checkpoint, batches in flight, whether a closed shard is done. */
  status(): ShardStatus[] {
    return [...this.pollers.values()].map((p) => ({
      shardId: p.shardId,
      checkpoint: this.checkpoints?.get(p.shardId)?.sequenceNumber,
      inFlight: p.inFlight,
      finished: p.finished,
    }));
  }

  /** Checkpoints as written so far (shard id → last done sequence number). */
  checkpointsByShard(): Record<string, string | undefined> {
    const all = this.checkpoints?.all() ?? {};
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.sequenceNumber]));
  }

  private async refreshShards(): Promise<void> {
    if (this.state !== "running") return;
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const out = await this.kinesis.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.streamName }),
      );
      shards.push(...(out.Shards ?? []));
      token = out.NextToken;
    } while (token);
    const known = new Set(shards.map((s) => s.ShardId));
    for (const shard of shards) {
      const id = shard.ShardId;
      if (!id || this.pollers.has(id) || this.checkpoints?.get(id)?.finished) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
        (p): p is string => !!p && known.has(p),
      );
      // Order across a reshard: a child starts (from its beginning) only after its parents are fully processed.
      if (parents.some((p) => !this.checkpoints?.get(p)?.finished && !this.pollers.get(p)?.finished)) {
        this.waitingShards.add(id);
        continue;
      }
      this.waitingShards.delete(id);
      const poller = new ShardPoller(
        id,
        {
          kinesis: this.kinesis,
          streamName: this.streamName,
          settings: this.options.settings,
          eventContext: this.eventContext as EventContext,
          checkpoints: this.checkpoints as CheckpointStore,
          invoke: (records) => this.invoke(records),
          discard: (records, info) => this.discard(records, info),
          report: (event) => this.onShardEvent(event),
          now: this.now,
          pollIntervalMs: this.options.pollIntervalMs ?? 250,
          retryDelayMs: this.options.retryDelayMs ?? 100,
          maxBufferedRecords: Math.max(
            1_000,
            this.options.settings.batchSize * this.options.settings.parallelizationFactor * 2,
          ),
        },
        parents.length > 0,
      );
      this.pollers.set(id, poller);
      void poller
        .start()
        // A closed shard that is done may release its children now rather than at the next periodic refresh.
        .then(() => (poller.finished ? this.refreshShards() : undefined))
        .catch((error: unknown) => this.problem(id, "shard poller", error));
    }
  }

  private async invoke(records: readonly StreamRecord[]) {
    this.stats.invocations++;
    return (this.invoker as Invoker).invoke(toEvent(records, this.eventContext as EventContext));
  }

  private async discard(records: readonly StreamRecord[], info: DiscardInfo): Promise<void> {
    if (!this.destination) return;
    const record = buildOnFailureRecord({
      records,
      condition: info.condition,
      approximateInvokeCount: info.approximateInvokeCount,
      ...(info.requestId ? { requestId: info.requestId } : {}),
      ...(info.functionError ? { functionError: info.functionError } : {}),
      functionArn: this.functionArn,
      streamArn: (this.eventContext as EventContext).eventSourceArn,
      nowMs: this.now(),
    });
    const location = await sendOnFailure(
      this.destination,
      record,
      toEvent(records, this.eventContext as EventContext),
    );
    this.stats.onFailureSends++;
    this.emit("onFailure", {
      destination: this.destination.type,
      location,
      condition: info.condition,
      size: records.length,
    });
  }

  private onShardEvent(event: ShardEvent): void {
    switch (event.type) {
      case "batch":
        this.stats.batches++;
        this.stats.records += event.size;
        if (event.outcome.kind === "success") this.stats.succeededBatches++;
        else if (event.outcome.kind === "partial") this.stats.partialFailures++;
        else if (event.outcome.cause === "function_error") this.stats.functionErrors++;
        else this.stats.invalidResponses++;
        this.emit("batch", event);
        break;
      case "retry":
        this.stats.retries++;
        this.emit("retry", event);
        break;
      case "bisect":
        this.stats.bisects++;
        this.emit("bisect", event);
        break;
      case "discard":
        this.stats.discardedRecords += event.size;
        this.emit("discard", event);
        break;
      case "checkpoint":
        this.stats.checkpoints++;
        this.emit("checkpoint", event);
        break;
      case "error":
        this.problem(event.shardId, event.where, event.error);
        break;
    }
  }

  private problem(shardId: string | undefined, where: string, error: unknown): void {
    this.stats.errors++;
    this.emit("problem", { ...(shardId ? { shardId } : {}), where, error });
  }

  private async resolveDestination(): Promise<OnFailureDestination | undefined> {
    const override = this.options.onFailure;
    if (override?.type === "sqs") return { type: "sqs", queueUrl: override.queueUrl, client: this.sqs() };
    if (override?.type === "s3")
      return {
        type: "s3",
        bucket: override.bucket,
        mappingUuid: this.mappingUuid,
        client: this.options.clients?.s3 ?? s3Client({ region: this.region }),
      };
    const declared = this.options.settings.onFailure;
    if (!declared) return undefined;
    if (declared.type === "sns") {
      throw new ConfigurationError(
        "SNS on-failure destinations are not emulated by the local runner",
        "Use an SQS queue or S3 bucket, or pass the runner an onFailure override.",
      );
    }
    if (!declared.name) {
      throw new ConfigurationError(
        `cannot tell the on-failure ${declared.type} destination's name from serverless.yml`,
        "Give the resource a QueueName/BucketName, or pass onFailure to the runner.",
      );
    }
    if (declared.type === "s3")
      return {
        type: "s3",
        bucket: declared.name,
        mappingUuid: this.mappingUuid,
        client: this.options.clients?.s3 ?? s3Client({ region: this.region }),
      };
    const client = this.sqs();
    const out = await client
      .send(new GetQueueUrlCommand({ QueueName: declared.name }))
      .catch((error: unknown) => {
        throw new ConfigurationError(
          `on-failure queue ${declared.name} not found: ${(error as Error).message}`,
          "Create the local resources first (the local stack does).",
          error,
        );
      });
    if (!out.QueueUrl) throw new ConfigurationError(`on-failure queue ${declared.name} has no URL`);
    return { type: "sqs", queueUrl: out.QueueUrl, client };
  }

  private sqs(): SQSClient {
    return this.options.clients?.sqs ?? sqsClient({ region: this.region });
  }
}

/** A UUID-shaped id that stays the same for the same (stream, function): the mapping's identity across restarts. */
function stableUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
