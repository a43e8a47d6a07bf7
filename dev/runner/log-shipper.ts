import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";

/**
 * Ships log lines to one CloudWatch Logs stream in PutLogEvents batches, within the API's limits: events in
 * time order, ≤10,000 events and ≤1,048,576 bytes per call (each event counts its UTF-8 size + 26 bytes).
 * Lines are buffered and sent every `flushIntervalMs` and on flush(); a failed send keeps the lines (bounded)
 * for the next attempt, so a slow or restarting log service never blocks stream processing.
 */
export interface LogShipperOptions {
  flushIntervalMs?: number;
  /** Lines kept while the service is unreachable; the oldest go first past this. */
  maxBufferedEvents?: number;
  onError?: (error: unknown) => void;
}

export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES;

/** Splits time-ordered events into PutLogEvents-sized batches. */
export function logBatches(events: readonly InputLogEvent[]): InputLogEvent[][] {
  const batches: InputLogEvent[][] = [];
  let current: InputLogEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.message ?? "") + EVENT_OVERHEAD_BYTES;
    if (current.length > 0 && (current.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export class LogShipper {
  private buffer: InputLogEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ready: Promise<void> | undefined;
  private sending: Promise<void> = Promise.resolve();
  shipped = 0;
  failures = 0;

  constructor(
    private readonly client: CloudWatchLogsClient,
    readonly logGroupName: string,
    readonly logStreamName: string,
    private readonly options: LogShipperOptions = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => void this.flush().catch(() => undefined),
      this.options.flushIntervalMs ?? 1000,
    );
    this.timer.unref();
  }

  push(message: string, timestampMs: number = Date.now()): void {
    const text =
      Buffer.byteLength(message) > MAX_EVENT_BYTES
        ? Buffer.from(message).subarray(0, MAX_EVENT_BYTES).toString("utf8")
        : message;
    if (text.length === 0) return;
    this.buffer.push({ message: text, timestamp: timestampMs });
    const cap = this.options.maxBufferedEvents ?? 100_000;
    if (this.buffer.length > cap) this.buffer.splice(0, this.buffer.length - cap);
  }

  /** Sends everything buffered so far; resolves when it is stored (or the attempt failed and was reported). */
  flush(): Promise<void> {
    this.sending = this.sending.then(() => this.sendBuffered());
    return this.sending;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async sendBuffered(): Promise<void> {
    if (this.buffer.length === 0) return;
    const events = this.buffer.splice(0).sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    let restored = false;
    try {
      await this.ensureStream();
      const batches = logBatches(events);
      for (let i = 0; i < batches.length; i++) {
        try {
          await this.client.send(
            new PutLogEventsCommand({
              logGroupName: this.logGroupName,
              logStreamName: this.logStreamName,
              logEvents: batches[i],
            }),
          );
          this.shipped += batches[i]?.length ?? 0;
        } catch (error) {
          this.buffer.unshift(...batches.slice(i).flat());
          restored = true;
          throw error;
        }
      }
    } catch (error) {
      this.failures++;
      if (!restored) this.buffer.unshift(...events);
      this.ready = undefined;
      this.options.onError?.(error);
    }
  }

  private ensureStream(): Promise<void> {
    this.ready ??= (async () => {
      await ignoreExists(this.client.send(new CreateLogGroupCommand({ logGroupName: this.logGroupName })));
      await ignoreExists(
        this.client.send(
          new CreateLogStreamCommand({ logGroupName: this.logGroupName, logStreamName: this.logStreamName }),
        ),
      );
    })();
    return this.ready;
  }
}

async function ignoreExists(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if ((error as { name?: string }).name !== "ResourceAlreadyExistsException") throw error;
  }
}
