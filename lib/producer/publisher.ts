import { uuidv7 } from "../envelope/uuidv7.js";
import { ConfigurationError, type KjpError } from "../errors/kjp-error.js";
import type { PayloadValidator } from "../envelope/types.js";
import { DEFAULT_BACKOFF, retryDelayWithin, type BackoffPolicy } from "./backoff.js";
import { insertBySeq, selectBatch, type Batch, type BatchCandidate, type BatchLimits } from "./batching.js";
import {
  DEFAULT_MAX_AGGREGATE_BYTES,
  MAX_AGGREGATE_BYTES,
  packGroup,
  selectAggregatedBatch,
} from "./aggregation.js";
import {
  MessageValidationError,
  PublishFailedError,
  PublisherClosedError,
  QueueFullError,
  RecordTooLargeError,
} from "./errors.js";
import {
  isRetryableEntryError,
  isRetryableRequestError,
  requestErrorCode,
} from "./failure-classification.js";
import {
  KINESIS_MAX_PARTITION_KEY_CHARS,
  KINESIS_MAX_RECORD_BYTES,
  KINESIS_MAX_RECORDS_PER_REQUEST,
  KINESIS_MAX_REQUEST_BYTES,
  recordBytes,
} from "./limits.js";
import type {
  Acknowledgement,
  CloseResult,
  FlushResult,
  PublishReceipt,
  PublishRequest,
  PublisherEvent,
  PublisherStats,
  PutRecordsFn,
  TokenSigner,
} from "./types.js";
import type { PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";

export interface PublisherOptions {
  signer: TokenSigner;
  putRecords: PutRecordsFn;
  /** When set, every message is validated against its schema before it is signed. */
  validator?: PayloadValidator;
  /** How long a partial batch waits for company before it is sent. Default 100 ms. */
  lingerMs?: number;
  /** Default and maximum 500. */
  maxBatchRecords?: number;
  /** Default and maximum 5 MiB. */
  maxBatchBytes?: number;
  /** Concurrent PutRecords requests (they never share a partition key). Default 4. */
  maxInFlightRequests?: number;
  /**
   * Default true: at most one record per partition key per request, so a failed record can never be
   * overtaken by a later one of its key. false sends many records of a hot key per request (much higher
   * throughput per key); Kinesis may then write a later record while an earlier one of the same request
   * fails, which is counted as `reordered`.
   */
  strictOrder?: boolean;
  /**
   * KPL aggregation (docs/contract.md §1.1): the messages of one partition key that are ready together go as
   * one Kinesis record, so a shard's 1,000 records/s carry up to its 1 MiB/s of messages. Per-key order is
   * kept whatever `strictOrder` says (one aggregate per key per request). Default false: turn it on only once
   * every consumer of the stream de-aggregates (this pipeline's consumer does).
   */
  aggregate?: boolean;
  /** Bound on one aggregate (partition key + data), up to 1 MiB. Default 51,200 bytes, as the KPL. */
  maxAggregateBytes?: number;
  /** How long after publish() an entry may keep being retried. Default 30 s. */
  retryDeadlineMs?: number;
  backoff?: BackoffPolicy;
  /** Bound on queued + in-flight records. Default 10,000. */
  maxQueueRecords?: number;
  /** Bound on queued + in-flight bytes. Default 64 MiB. */
  maxQueueBytes?: number;
  /** What publish() does when the queue is full: wait for room (up to fullWaitMs) or fail at once. Default "wait". */
  whenFull?: "wait" | "reject";
  fullWaitMs?: number;
  /** Observability hook; exceptions it throws are ignored. */
  onEvent?: (event: PublisherEvent) => void;
  now?: () => number;
  random?: () => number;
}

interface Entry extends BatchCandidate {
  jti: string;
  token: Uint8Array;
  enqueuedAt: number;
  deadline: number;
  attempts: number;
  resolve: (ack: Acknowledgement) => void;
  reject: (error: KjpError) => void;
}

type Counters = Pick<
  PublisherStats,
  "published" | "acknowledged" | "retried" | "failed" | "reordered" | "requests"
>;

/**
 * Signs messages and writes them to Kinesis in PutRecords batches. publish() returns once the message is
 * signed and queued; a background loop batches (≤ 500 records, ≤ 5 MiB, after a short linger), resubmits
 * only the entries Kinesis failed, with jittered backoff until each entry's deadline, and never lets a
 * record overtake an earlier record of its partition key.
 */
/**
 * The publisher's lifecycle. `open`: takes messages. `closing` (close() was called): takes no new message,
 * flushes what is queued, failed entries are still retried. `closed`: nothing is sent or retried any more;
 * what was still queued has failed with PublisherClosedError.
 */
type Lifecycle = "open" | "closing" | "closed";
const LIFECYCLE_TRANSITIONS: Record<Lifecycle, readonly Lifecycle[]> = {
  open: ["closing"],
  closing: ["closed"],
  closed: [],
};

export class Publisher {
  private readonly o: Required<Omit<PublisherOptions, "validator" | "onEvent">> &
    Pick<PublisherOptions, "validator" | "onEvent">;
  private readonly limits: BatchLimits;
  private queue: Entry[] = [];
  private readonly inFlightKeys = new Map<string, number>();
  private inFlightRequests = 0;
  private inFlightRecords = 0;
  private pendingRecords = 0;
  private pendingBytes = 0;
  private publishesInProgress = 0;
  private seq = 0;
  private sinceLastPump = { records: 0, bytes: 0 };
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** A pump is queued as a microtask (not lifecycle: it only coalesces wake-ups). */
  private pumpScheduled = false;
  /**
   * flush() calls in progress. Not lifecycle either: a request to send now instead of lingering, which can
   * overlap other flushes and happen while open or closing.
   */
  private flushRequests = 0;
  private lifecycle: Lifecycle = "open";
  /** close()'s one run, shared by every caller. */
  private closeResult: Promise<CloseResult> | undefined;
  /** Publishes enqueue in call order even though they sign concurrently: per-key order starts here. */
  private enqueueTail: Promise<void> = Promise.resolve();
  private spaceWaiter: { records: number; bytes: number; resolve: () => void } | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly counters: Counters = {
    published: 0,
    acknowledged: 0,
    retried: 0,
    failed: 0,
    reordered: 0,
    requests: 0,
  };

  constructor(options: PublisherOptions) {
    this.o = {
      lingerMs: 100,
      maxBatchRecords: KINESIS_MAX_RECORDS_PER_REQUEST,
      maxBatchBytes: KINESIS_MAX_REQUEST_BYTES,
      maxInFlightRequests: 4,
      strictOrder: true,
      aggregate: false,
      maxAggregateBytes: DEFAULT_MAX_AGGREGATE_BYTES,
      retryDeadlineMs: 30_000,
      backoff: DEFAULT_BACKOFF,
      maxQueueRecords: 10_000,
      maxQueueBytes: 64 * 1024 * 1024,
      whenFull: "wait",
      fullWaitMs: 5_000,
      now: Date.now,
      random: Math.random,
      ...stripUndefined(options),
    };
    const o = this.o;
    if (
      !Number.isInteger(o.maxBatchRecords) ||
      o.maxBatchRecords < 1 ||
      o.maxBatchRecords > KINESIS_MAX_RECORDS_PER_REQUEST
    ) {
      throw new ConfigurationError(`maxBatchRecords must be 1..${KINESIS_MAX_RECORDS_PER_REQUEST}`);
    }
    if (o.maxBatchBytes < KINESIS_MAX_RECORD_BYTES || o.maxBatchBytes > KINESIS_MAX_REQUEST_BYTES) {
      throw new ConfigurationError(
        `maxBatchBytes must be ${KINESIS_MAX_RECORD_BYTES}..${KINESIS_MAX_REQUEST_BYTES}`,
      );
    }
    if (
      !Number.isInteger(o.maxAggregateBytes) ||
      o.maxAggregateBytes < 1024 ||
      o.maxAggregateBytes > MAX_AGGREGATE_BYTES
    )
      throw new ConfigurationError(`maxAggregateBytes must be 1024..${MAX_AGGREGATE_BYTES}`);
    if (!Number.isInteger(o.maxInFlightRequests) || o.maxInFlightRequests < 1)
      throw new ConfigurationError("maxInFlightRequests must be ≥ 1");
    if (o.maxQueueRecords < 1 || o.maxQueueBytes < KINESIS_MAX_RECORD_BYTES) {
      throw new ConfigurationError(
        `the queue must hold at least one record of ${KINESIS_MAX_RECORD_BYTES} bytes`,
      );
    }
    this.limits = { maxRecords: o.maxBatchRecords, maxBytes: o.maxBatchBytes, onePerKey: o.strictOrder };
  }

  /**
   * Validates (optionally), signs and queues one message. Resolves once it is queued; `acknowledged` on the
   * receipt settles when Kinesis has it. Rejects with MessageValidationError, the signer's
   * InvalidMessageError, RecordTooLargeError, QueueFullError or PublisherClosedError: nothing is queued then.
   */
  async publish(request: PublishRequest): Promise<PublishReceipt> {
    if (!this.accepting) throw new PublisherClosedError();
    this.publishesInProgress++;
    const previous = this.enqueueTail;
    let enqueued!: () => void;
    const mine = new Promise<void>((resolve) => (enqueued = resolve));
    // The next publish waits for this one and, through it, for every earlier one, even if this one fails.
    this.enqueueTail = Promise.all([previous, mine]).then(() => undefined);
    try {
      const prepared = await this.prepare(request);
      await previous;
      await this.reserve(prepared.bytes);
      if (this.lifecycle === "closed") throw new PublisherClosedError();
      return this.enqueue(prepared);
    } finally {
      enqueued();
      this.publishesInProgress--;
      this.checkIdle();
    }
  }

  /** publish() and wait for Kinesis to acknowledge: for callers that must know the record is stored. */
  async publishAndWait(request: PublishRequest): Promise<Acknowledgement> {
    return (await this.publish(request)).acknowledged;
  }

  /** Sends everything queued now (ignoring linger) and waits until it is acknowledged or failed, or the timeout. */
  async flush(timeoutMs = 30_000): Promise<FlushResult> {
    this.flushRequests++;
    try {
      this.schedulePumpNow();
      const drained = await this.waitIdle(timeoutMs);
      return { drained, pending: this.pendingRecords };
    } finally {
      this.flushRequests--;
    }
  }

  /**
   * Stops accepting messages, flushes with a deadline, then fails whatever is still queued with
   * PublisherClosedError. Requests already in flight finish on their own but are no longer retried.
   */
  close(timeoutMs = 30_000): Promise<CloseResult> {
    this.closeResult ??= (async () => {
      this.moveTo("closing");
      this.spaceWaiter?.resolve();
      const { drained } = await this.flush(timeoutMs);
      this.moveTo("closed");
      this.clearTimer();
      const abandoned = this.queue;
      this.queue = [];
      for (const entry of abandoned)
        this.fail(entry, new PublisherClosedError("still queued when close()'s deadline passed"));
      return { drained, pending: this.pendingRecords, abandoned: abandoned.length };
    })();
    return this.closeResult;
  }

  /** New messages are taken only while open. */
  private get accepting(): boolean {
    return this.lifecycle === "open";
  }

  private moveTo(next: Lifecycle): void {
    if (!LIFECYCLE_TRANSITIONS[this.lifecycle].includes(next))
      throw new Error(`publisher lifecycle: ${this.lifecycle} cannot become ${next}`);
    this.lifecycle = next;
  }

  stats(): PublisherStats {
    return {
      ...this.counters,
      queued: this.queue.length,
      inFlight: this.inFlightRecords,
      pendingBytes: this.pendingBytes,
    };
  }

  private async prepare(request: PublishRequest) {
    const { type, v, data, sub } = request;
    if (this.o.validator) {
      const result = this.o.validator.validate(type, v, data);
      if (!result.ok) throw new MessageValidationError(result.reason, result.detail, result.issues);
    }
    const jti = request.jti ?? uuidv7(this.o.now());
    const partitionKey = request.partitionKey ?? sub ?? jti;
    const keyChars = typeof partitionKey === "string" ? [...partitionKey].length : 0;
    if (keyChars < 1 || keyChars > KINESIS_MAX_PARTITION_KEY_CHARS) {
      throw new MessageValidationError(
        "partition_key",
        `partition key must be 1..${KINESIS_MAX_PARTITION_KEY_CHARS} characters, got ${keyChars}`,
      );
    }
    const token = await this.o.signer.sign({ type, v, data, sub, jti, now: Math.floor(this.o.now() / 1000) });
    const bytes = recordBytes(partitionKey, token);
    if (bytes > KINESIS_MAX_RECORD_BYTES) throw new RecordTooLargeError(bytes, KINESIS_MAX_RECORD_BYTES);
    return { jti, partitionKey, token: Buffer.from(token, "latin1"), bytes };
  }

  private hasRoom(bytes: number): boolean {
    return (
      this.pendingRecords + 1 <= this.o.maxQueueRecords && this.pendingBytes + bytes <= this.o.maxQueueBytes
    );
  }

  private async reserve(bytes: number): Promise<void> {
    if (this.hasRoom(bytes)) return;
    const full = () => `queue full: ${this.pendingRecords} records / ${this.pendingBytes} bytes pending`;
    if (this.o.whenFull === "reject" || !this.accepting) throw new QueueFullError(full());
    // Enqueueing is serialized, so at most one publish waits for room at a time; the others wait behind it.
    const roomMade = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.spaceWaiter = undefined;
        resolve(false);
      }, this.o.fullWaitMs);
      this.spaceWaiter = {
        records: 1,
        bytes,
        resolve: () => {
          clearTimeout(timer);
          this.spaceWaiter = undefined;
          resolve(true);
        },
      };
      this.schedulePumpNow();
    });
    if (!this.accepting) throw new PublisherClosedError();
    if (!roomMade || !this.hasRoom(bytes))
      throw new QueueFullError(`${full()} after waiting ${this.o.fullWaitMs} ms`);
  }

  private enqueue(p: {
    jti: string;
    partitionKey: string;
    token: Uint8Array;
    bytes: number;
  }): PublishReceipt {
    const now = this.o.now();
    let resolve!: (ack: Acknowledgement) => void;
    let reject!: (error: KjpError) => void;
    const acknowledged = new Promise<Acknowledgement>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Fire-and-forget callers never look at `acknowledged`; a failure is still counted and emitted.
    acknowledged.catch(() => undefined);
    const entry: Entry = {
      ...p,
      seq: this.seq++,
      notBefore: now,
      enqueuedAt: now,
      deadline: now + this.o.retryDeadlineMs,
      attempts: 0,
      resolve,
      reject,
    };
    this.queue.push(entry);
    this.pendingRecords++;
    this.pendingBytes += p.bytes;
    this.counters.published++;
    this.emit({ type: "published", jti: p.jti, partitionKey: p.partitionKey, bytes: p.bytes });

    this.sinceLastPump.records++;
    this.sinceLastPump.bytes += p.bytes;
    if (
      this.flushRequests > 0 ||
      this.sinceLastPump.records >= this.o.maxBatchRecords ||
      this.sinceLastPump.bytes >= this.o.maxBatchBytes
    ) {
      this.schedulePumpNow();
    } else {
      this.scheduleAt(now + this.o.lingerMs);
    }
    return { jti: p.jti, partitionKey: p.partitionKey, bytes: p.bytes, acknowledged };
  }

  /** Sends every batch that is due, as far as the in-flight limit allows, and sets the timer for the rest. */
  private pump(): void {
    this.pumpScheduled = false;
    this.sinceLastPump = { records: 0, bytes: 0 };
    if (this.lifecycle === "closed") return;
    const now = this.o.now();
    const urgent = this.flushRequests > 0 || this.spaceWaiter !== undefined;
    const blocked = { has: (key: string) => this.inFlightKeys.has(key) };
    while (this.inFlightRequests < this.o.maxInFlightRequests) {
      const batch = this.o.aggregate
        ? selectAggregatedBatch(this.queue, blocked, now, {
            maxRecords: this.limits.maxRecords,
            maxBytes: this.limits.maxBytes,
            maxAggregateBytes: this.o.maxAggregateBytes,
          })
        : selectBatch(this.queue, blocked, now, this.limits);
      if (batch.entries.length === 0) break;
      if (!urgent && !batch.full) {
        // Retries already waited out their backoff; fresh entries wait for the linger of the oldest one.
        const oldest = Math.min(...batch.entries.map((e) => (e.attempts > 0 ? -Infinity : e.enqueuedAt)));
        if (oldest + this.o.lingerMs > now) {
          this.scheduleAt(oldest + this.o.lingerMs);
          break;
        }
      }
      this.send(batch);
    }
    let nextRetry = Infinity;
    for (const e of this.queue) if (e.notBefore > now && e.notBefore < nextRetry) nextRetry = e.notBefore;
    if (nextRetry < Infinity) this.scheduleAt(nextRetry);
  }

  private send(batch: Batch<Entry> & { groups?: Entry[][] }): void {
    const chosen = new Set(batch.entries);
    this.queue = this.queue.filter((e) => !chosen.has(e));
    for (const e of batch.entries) {
      e.attempts++;
      this.inFlightKeys.set(e.partitionKey, (this.inFlightKeys.get(e.partitionKey) ?? 0) + 1);
    }
    this.inFlightRequests++;
    this.inFlightRecords += batch.entries.length;
    this.counters.requests++;
    // One Kinesis record per group: an aggregate, or (without aggregation) one entry.
    const groups = batch.groups ?? batch.entries.map((e) => [e]);
    this.emit({ type: "request", records: groups.length, bytes: batch.bytes });
    const records = groups.map(packGroup);
    Promise.resolve()
      .then(() => this.o.putRecords(records))
      .then(
        (output) => this.settle(groups, output),
        (error: unknown) => {
          const code = requestErrorCode(error);
          const retryable = isRetryableRequestError(error);
          for (const e of batch.entries)
            this.retryOrFail(
              e,
              code,
              error instanceof Error ? error.message : String(error),
              retryable,
              error,
            );
        },
      )
      .finally(() => {
        this.inFlightRequests--;
        this.inFlightRecords -= batch.entries.length;
        for (const e of batch.entries) {
          const n = this.inFlightKeys.get(e.partitionKey)! - 1;
          if (n === 0) this.inFlightKeys.delete(e.partitionKey);
          else this.inFlightKeys.set(e.partitionKey, n);
        }
        this.pump();
        this.checkIdle();
      })
      .catch(() => undefined);
  }

  private settle(groups: Entry[][], output: Pick<PutRecordsCommandOutput, "Records">): void {
    const results = output.Records ?? [];
    const failedKeys = new Set<string>();
    groups.forEach((group, i) => {
      const r = results[i];
      const aggregated = group.length > 1;
      group.forEach((e, subSequenceNumber) => {
        if (r?.SequenceNumber && !r.ErrorCode) {
          if (failedKeys.has(e.partitionKey)) {
            this.counters.reordered++;
            this.emit({ type: "reordered", jti: e.jti, partitionKey: e.partitionKey });
          }
          this.release(e);
          this.counters.acknowledged++;
          const ack: Acknowledgement = {
            jti: e.jti,
            partitionKey: e.partitionKey,
            shardId: r.ShardId ?? "",
            sequenceNumber: r.SequenceNumber,
            ...(aggregated ? { subSequenceNumber } : {}),
            attempts: e.attempts,
          };
          e.resolve(ack);
          this.emit({ type: "acknowledged", ...ack });
          return;
        }
        failedKeys.add(e.partitionKey);
        const code = r?.ErrorCode ?? "IncompleteResponse";
        // A failed aggregate fails all its user records; they go back in publish order and are retried together.
        this.retryOrFail(
          e,
          code,
          r?.ErrorMessage ?? "no result for this entry",
          isRetryableEntryError(r?.ErrorCode),
        );
      });
    });
  }

  private retryOrFail(e: Entry, code: string, message: string, retryable: boolean, cause?: unknown): void {
    if (retryable && this.lifecycle !== "closed") {
      const now = this.o.now();
      const delay = retryDelayWithin(e.attempts, now, e.deadline, this.o.backoff, this.o.random);
      if (delay !== undefined) {
        e.notBefore = now + delay;
        insertBySeq(this.queue, e);
        this.counters.retried++;
        this.emit({
          type: "retried",
          jti: e.jti,
          partitionKey: e.partitionKey,
          attempt: e.attempts,
          errorCode: code,
          delayMs: delay,
        });
        return;
      }
    }
    const why = !retryable
      ? "refused"
      : this.lifecycle === "closed"
        ? "not retried after close"
        : "still failing at the retry deadline";
    this.fail(
      e,
      new PublishFailedError(
        `record ${e.jti} ${why} after ${e.attempts} attempt(s): ${code}: ${message}`,
        code,
        e.attempts,
        retryable,
        cause,
      ),
    );
  }

  private fail(e: Entry, error: KjpError): void {
    this.release(e);
    this.counters.failed++;
    e.reject(error);
    this.emit({ type: "failed", jti: e.jti, partitionKey: e.partitionKey, error });
  }

  private release(e: Entry): void {
    this.pendingRecords--;
    this.pendingBytes -= e.bytes;
    const waiter = this.spaceWaiter;
    if (waiter && this.hasRoom(waiter.bytes)) waiter.resolve();
  }

  private isIdle(): boolean {
    return this.publishesInProgress === 0 && this.queue.length === 0 && this.inFlightRequests === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(done);
    });
  }

  private schedulePumpNow(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => this.pump());
  }

  private scheduleAt(at: number): void {
    if (this.lifecycle === "closed" || at >= this.timerAt) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, at - this.o.now()),
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private emit(event: PublisherEvent): void {
    try {
      this.o.onEvent?.(event);
    } catch {
      // An observer's bug must not stop delivery.
    }
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
