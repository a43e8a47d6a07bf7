import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { batchLength, batchReadiness, laneFor } from "./batch.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { CheckpointTracker } from "./checkpoint-tracker.js";
import type { EventContext, StreamRecord } from "../../lib/kinesis/event-record.js";
import { eventRecordBytes } from "./event-size.js";
import type { Invocation } from "./invoker.js";
import { interpretResult, type BatchOutcome } from "./response.js";
import type { FailureCondition } from "../../lib/kinesis/on-failure-record.js";
import { decide, newBatch, splitExpired, type PendingBatch } from "./retry-policy.js";
import type { StreamEventSettings } from "../service-definition/stream-event.js";
import { Signal, sleep } from "./signal.js";

/**
 * One shard's part of the event source mapping: a reader (GetShardIterator + GetRecords) feeding one lane per
 * parallelization-factor slot. Records of a partition key always go to the same lane, and a lane has at most
 * one batch in flight, so with factor 1 the shard has one batch in flight and with factor N up to N, each
 * keeping its keys in order. Retries, bisection and discards happen inside the lane, before it takes anything
 * newer; the shard checkpoint only passes records that are done (see CheckpointTracker).
 */
export type ShardSettings = Pick<
  StreamEventSettings,
  | "batchSize"
  | "maximumBatchingWindowInSeconds"
  | "maximumRetryAttempts"
  | "maximumRecordAgeInSeconds"
  | "bisectBatchOnFunctionError"
  | "reportBatchItemFailures"
  | "parallelizationFactor"
  | "startingPosition"
  | "startingPositionTimestamp"
>;

export interface DiscardInfo {
  condition: FailureCondition;
  approximateInvokeCount: number;
  requestId?: string;
  functionError?: "Unhandled";
}

export type ShardEvent =
  | {
      type: "batch";
      shardId: string;
      lane: number;
      requestId: string;
      size: number;
      outcome: BatchOutcome;
      durationMs: number;
    }
  | { type: "retry"; shardId: string; lane: number; size: number; retries: number }
  | { type: "bisect"; shardId: string; lane: number; size: number }
  | { type: "discard"; shardId: string; lane: number; size: number; condition: FailureCondition }
  | { type: "checkpoint"; shardId: string; sequenceNumber: string }
  | { type: "error"; shardId: string; error: unknown; where: string };

export interface ShardPollerDeps {
  kinesis: KinesisClient;
  streamName: string;
  settings: ShardSettings;
  eventContext: EventContext;
  checkpoints: CheckpointStore;
  invoke(records: readonly StreamRecord[]): Promise<Invocation>;
  /** Sends the on-failure record; throws if it could not be sent (the lane keeps trying). */
  discard(records: readonly StreamRecord[], info: DiscardInfo): Promise<void>;
  report(event: ShardEvent): void;
  now(): number;
  pollIntervalMs: number;
  retryDelayMs: number;
  maxBufferedRecords: number;
}

interface QueuedRecord {
  record: StreamRecord;
  bytes: number;
}

class Lane {
  readonly queue: QueuedRecord[] = [];
  firstQueuedAtMs: number | undefined;
  pending: Array<PendingBatch<QueuedRecord>> = [];
  busy = false;
  readonly wake = new Signal();
  constructor(readonly index: number) {}

  get idle(): boolean {
    return !this.busy && this.queue.length === 0 && this.pending.length === 0;
  }
}

export class ShardPoller {
  private readonly lanes: Lane[];
  private readonly tracker: CheckpointTracker;
  private readonly readerWake = new Signal();
  private stopping = false;
  private readerDone = false;
  private buffered = 0;
  private lastReadSequence: string | undefined;
  /** Start time (Date.now) of the latest GetRecords call that found the shard caught up. */
  caughtUpAtMs = 0;
  finished = false;
  private running: Promise<void> | undefined;

  constructor(
    readonly shardId: string,
    private readonly deps: ShardPollerDeps,
    private readonly startFromTrimHorizon = false,
  ) {
    this.lanes = Array.from(
      { length: Math.max(1, deps.settings.parallelizationFactor) },
      (_, i) => new Lane(i),
    );
    this.tracker = new CheckpointTracker(deps.checkpoints.get(shardId)?.sequenceNumber);
    this.lastReadSequence = this.tracker.checkpoint;
  }

  start(): Promise<void> {
    this.running ??= Promise.all([this.readLoop(), ...this.lanes.map((l) => this.laneLoop(l))]).then(
      () => undefined,
    );
    return this.running;
  }

  /** Lets the batch in flight finish (and its checkpoint be written), then ends the loops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.readerWake.notify();
    for (const lane of this.lanes) lane.wake.notify();
    await this.running;
  }

  /** Nothing queued, in flight or waiting for a retry. */
  get idle(): boolean {
    return this.lanes.every((l) => l.idle) && this.tracker.outstanding === 0;
  }

  get inFlight(): number {
    return this.lanes.filter((l) => l.busy).length;
  }

  private async readLoop(): Promise<void> {
    let iterator: string | undefined;
    while (!this.stopping) {
      try {
        if (this.buffered >= this.deps.maxBufferedRecords) {
          await this.readerWake.wait(this.deps.pollIntervalMs);
          continue;
        }
        iterator ??= await this.iterator();
        const startedAt = Date.now();
        const out = await this.deps.kinesis.send(
          new GetRecordsCommand({
            ShardIterator: iterator,
            Limit: Math.min(10_000, Math.max(1, this.deps.maxBufferedRecords - this.buffered)),
          }),
        );
        const records = out.Records ?? [];
        for (const r of records) {
          if (!r.SequenceNumber || r.PartitionKey === undefined) continue;
          const record: StreamRecord = {
            shardId: this.shardId,
            sequenceNumber: r.SequenceNumber,
            partitionKey: r.PartitionKey,
            data: r.Data ?? new Uint8Array(),
            approximateArrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? this.deps.now(),
          };
          this.enqueue(record);
        }
        iterator = out.NextShardIterator;
        if (!iterator) {
          this.readerDone = true;
          this.caughtUpAtMs = startedAt;
          for (const lane of this.lanes) lane.wake.notify();
          return;
        }
        if (records.length === 0) {
          // An empty read while still behind (a gap in the shard) is not "caught up"; either way, pause: a
          // shard allows 5 GetRecords calls a second.
          if ((out.MillisBehindLatest ?? 0) === 0) this.caughtUpAtMs = startedAt;
          await this.readerWake.wait(this.deps.pollIntervalMs);
        }
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === "ExpiredIteratorException") {
          iterator = undefined;
          continue;
        }
        this.deps.report({ type: "error", shardId: this.shardId, error, where: "GetRecords" });
        if (name === "ResourceNotFoundException") iterator = undefined;
        await this.readerWake.wait(Math.max(500, this.deps.pollIntervalMs));
      }
    }
  }

  private async iterator(): Promise<string> {
    const base: GetShardIteratorCommandInput = {
      StreamName: this.deps.streamName,
      ShardId: this.shardId,
      ShardIteratorType: "TRIM_HORIZON",
    };
    const input: GetShardIteratorCommandInput = this.lastReadSequence
      ? { ...base, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: this.lastReadSequence }
      : this.startFromTrimHorizon || this.deps.settings.startingPosition === "TRIM_HORIZON"
        ? base
        : this.deps.settings.startingPosition === "LATEST"
          ? { ...base, ShardIteratorType: "LATEST" }
          : {
              ...base,
              ShardIteratorType: "AT_TIMESTAMP",
              Timestamp: new Date((this.deps.settings.startingPositionTimestamp ?? 0) * 1000),
            };
    const out = await this.deps.kinesis.send(new GetShardIteratorCommand(input));
    if (!out.ShardIterator) throw new Error(`no shard iterator for ${this.shardId}`);
    return out.ShardIterator;
  }

  private enqueue(record: StreamRecord): void {
    const lane = this.lanes[laneFor(record.partitionKey, this.lanes.length)] as Lane;
    if (lane.queue.length === 0) lane.firstQueuedAtMs = this.deps.now();
    lane.queue.push({ record, bytes: eventRecordBytes(record, this.deps.eventContext) });
    this.tracker.add(record.sequenceNumber);
    this.lastReadSequence = record.sequenceNumber;
    this.buffered++;
    lane.wake.notify();
  }

  private async laneLoop(lane: Lane): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      if (lane.pending.length === 0) {
        if (this.readerDone && lane.queue.length === 0) {
          await this.finishIfDone();
          return;
        }
        const sizes = lane.queue.map((q) => q.bytes);
        const readiness = batchReadiness(
          sizes,
          lane.firstQueuedAtMs,
          this.deps.now(),
          this.deps.settings,
          this.readerDone,
        );
        if (!readiness.ready) {
          await lane.wake.wait(readiness.waitMs ?? this.deps.pollIntervalMs);
          continue;
        }
        const taken = lane.queue.splice(0, batchLength(sizes, this.deps.settings));
        lane.firstQueuedAtMs = lane.queue.length > 0 ? this.deps.now() : undefined;
        lane.pending.push(newBatch(taken));
      }
      lane.busy = true;
      try {
        await this.runPending(lane);
      } finally {
        lane.busy = false;
      }
    }
  }

  /** One step for the lane's first pending batch: age check, invoke, decide, commit. */
  private async runPending(lane: Lane): Promise<void> {
    const batch = lane.pending[0] as PendingBatch<QueuedRecord>;
    const { expired, fresh } = splitExpired(
      batch.records,
      (q) => q.record.approximateArrivalMs,
      this.deps.now(),
      this.deps.settings.maximumRecordAgeInSeconds,
    );
    if (expired.length > 0) {
      const sent = await this.discard(lane, expired, {
        condition: "RecordAgeExceeded",
        approximateInvokeCount: batch.invocations,
      });
      if (!sent) return;
      batch.records = fresh;
      if (fresh.length === 0) lane.pending.shift();
      await this.commit(expired);
      return;
    }

    const records = batch.records.map((q) => q.record);
    const invocation = await this.deps.invoke(records);
    batch.invocations++;
    const outcome = interpretResult(
      invocation.result,
      records.map((r) => r.sequenceNumber),
      this.deps.settings.reportBatchItemFailures,
    );
    this.deps.report({
      type: "batch",
      shardId: this.shardId,
      lane: lane.index,
      requestId: invocation.requestId,
      size: records.length,
      outcome,
      durationMs: invocation.durationMs,
    });
    const decision = decide(batch, outcome, this.deps.settings);

    if (decision.discarded) {
      const sent = await this.discard(lane, decision.discarded.batch.records, {
        condition: decision.discarded.condition,
        approximateInvokeCount: decision.discarded.batch.invocations,
        requestId: invocation.requestId,
        ...(invocation.result.kind === "threw" ? { functionError: "Unhandled" as const } : {}),
      });
      if (!sent) {
        // Stopping before the destination took it: keep the done part, the rest is read again after a restart.
        await this.commit(decision.done);
        return;
      }
    }
    lane.pending.shift();
    lane.pending.unshift(...decision.next);
    await this.commit([...decision.done, ...(decision.discarded?.batch.records ?? [])]);

    if (decision.bisected)
      this.deps.report({ type: "bisect", shardId: this.shardId, lane: lane.index, size: records.length });
    if (decision.retried) {
      const next = decision.next[0];
      this.deps.report({
        type: "retry",
        shardId: this.shardId,
        lane: lane.index,
        size: next?.records.length ?? 0,
        retries: next?.retries ?? 0,
      });
      await lane.wake.wait(this.deps.retryDelayMs);
    }
  }

  /** Sends the on-failure record, retrying until it is sent; false if the runner stopped first. */
  private async discard(lane: Lane, records: QueuedRecord[], info: DiscardInfo): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.discard(
          records.map((q) => q.record),
          info,
        );
        this.deps.report({
          type: "discard",
          shardId: this.shardId,
          lane: lane.index,
          size: records.length,
          condition: info.condition,
        });
        return true;
      } catch (error) {
        this.deps.report({ type: "error", shardId: this.shardId, error, where: "on-failure destination" });
        if (this.stopping) return false;
        await sleep(Math.min(5_000, 250 * 2 ** attempt));
      }
    }
  }

  private async commit(records: readonly QueuedRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const q of records) this.tracker.markDone(q.record.sequenceNumber);
    this.buffered -= records.length;
    this.readerWake.notify();
    const moved = this.tracker.advance();
    if (moved !== undefined) {
      await this.deps.checkpoints.commit(this.shardId, { sequenceNumber: moved });
      this.deps.report({ type: "checkpoint", shardId: this.shardId, sequenceNumber: moved });
    }
  }

  private async finishIfDone(): Promise<void> {
    // Every lane calls this as it ends; the last one to end (nothing outstanding anywhere) marks the shard done.
    if (this.finished || !this.readerDone || this.tracker.outstanding > 0) return;
    if (this.lanes.some((l) => l.pending.length > 0 || l.queue.length > 0)) return;
    this.finished = true;
    await this.deps.checkpoints.commit(this.shardId, { finished: true });
  }
}
