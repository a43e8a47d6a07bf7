import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { consoleLine, endLine, invokeErrorLine, reportLine, startLine } from "./lambda-log-lines.js";
import { runWithLogSink, type LogSink } from "./log-capture.js";
import type { InvocationResult } from "./response.js";

/**
 * Calls the function in-process the way Lambda would: a fresh request id, a Lambda `Context`, its output
 * captured as the function's log lines between START and END/REPORT, and the function's timeout enforced
 * (a timed-out invocation is a function error, as in Lambda; the promise itself cannot be cancelled).
 */
export type StreamHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse | void> | KinesisStreamBatchResponse | void;

export interface FunctionIdentity {
  functionName: string;
  functionArn: string;
  memorySizeMb: number;
  timeoutSeconds: number;
  logGroupName: string;
  logStreamName: string;
}

export interface Invocation {
  requestId: string;
  result: InvocationResult;
  durationMs: number;
}

/** Receives finished log lines (already formatted) with their time. */
export type LogLineSink = (line: string, timestampMs: number) => void;

export class TimeoutError extends Error {
  override readonly name = "Sandbox.Timedout";
}

export class Invoker {
  private cold = true;

  /**
   * `initDurationMs` is how long building the handler took (Lambda's init phase: loading the code, reading
   * the configuration, creating clients), reported once as `Init Duration` on the first REPORT line. Not the
   * time since this object was created: that is mostly waiting for the first record, and once showed 20 s.
   */
  constructor(
    private readonly handler: StreamHandler,
    private readonly identity: FunctionIdentity,
    private readonly log: LogLineSink,
    private readonly echo?: (text: string) => void,
    private readonly initDurationMs?: number,
  ) {}

  async invoke(event: KinesisStreamEvent): Promise<Invocation> {
    const requestId = randomUUID();
    const started = performance.now();
    const deadline = Date.now() + this.identity.timeoutSeconds * 1000;
    const initDurationMs = this.cold ? this.initDurationMs : undefined;
    this.cold = false;
    const emit = (line: string) => {
      this.log(line, Date.now());
      this.echo?.(`${line}\n`);
    };
    emit(startLine(requestId));

    let partial = "";
    const sink: LogSink = {
      console: (level, message) => emit(consoleLine(Date.now(), requestId, level, message)),
      raw: (text) => {
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.trim() !== "") emit(line);
      },
    };

    const context = lambdaContext(this.identity, requestId, deadline);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new TimeoutError(`Task timed out after ${this.identity.timeoutSeconds.toFixed(2)} seconds`)),
        this.identity.timeoutSeconds * 1000,
      );
      timer.unref();
    });
    let result: InvocationResult;
    try {
      const value = await Promise.race([
        runWithLogSink(sink, () => Promise.resolve().then(() => this.handler(event, context))),
        timeout,
      ]);
      result = { kind: "returned", value };
    } catch (error) {
      result = { kind: "threw", error };
    } finally {
      clearTimeout(timer);
    }
    if (partial.trim() !== "") emit(partial);
    if (result.kind === "threw") {
      emit(
        result.error instanceof TimeoutError
          ? `${new Date().toISOString()} ${requestId} ${result.error.message}`
          : invokeErrorLine(Date.now(), requestId, result.error),
      );
    }
    const durationMs = performance.now() - started;
    emit(endLine(requestId));
    emit(
      reportLine(requestId, {
        durationMs,
        memorySizeMb: this.identity.memorySizeMb,
        maxMemoryUsedMb: process.memoryUsage().rss / (1024 * 1024),
        ...(initDurationMs === undefined ? {} : { initDurationMs }),
      }),
    );
    return { requestId, result, durationMs };
  }
}

function lambdaContext(identity: FunctionIdentity, requestId: string, deadlineMs: number): Context {
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is not supported: return a value or a promise from the handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: identity.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: identity.functionArn,
    memoryLimitInMB: String(identity.memorySizeMb),
    awsRequestId: requestId,
    logGroupName: identity.logGroupName,
    logStreamName: identity.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: unsupported("done"),
    fail: unsupported("fail"),
    succeed: unsupported("succeed"),
  };
}
