import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";
import type { ConsoleLevel } from "./lambda-log-lines.js";

/**
 * Routes what a function writes during its invocation to that invocation's sink, the way Lambda sends a
 * function's stdout/stderr to CloudWatch Logs.
 *
 * Why this design: several invocations run at once (shards, parallelization factor) in one process, so a
 * plain "swap process.stdout.write during the call" would mix their lines. Instead the writers are patched
 * once and an AsyncLocalStorage tells which invocation (if any) the current code runs for; every await
 * inside the handler keeps that context. Output outside an invocation passes through untouched. `console.*`
 * is patched too, because the Lambda runtime formats it (`<time>\t<request id>\tLEVEL\tmessage`) and because
 * test runners replace `console` with objects that do not write to process.stdout.
 */
export interface LogSink {
  /** A line written with console.* (formatted like the Lambda runtime does). */
  console(level: ConsoleLevel, message: string): void;
  /** Raw bytes written to process.stdout / process.stderr (e.g. Powertools Logger's JSON lines). */
  raw(text: string): void;
}

const storage = new AsyncLocalStorage<LogSink>();
let installed = 0;
let restore: (() => void) | undefined;

const CONSOLE_LEVELS: ReadonlyArray<[keyof Console, ConsoleLevel]> = [
  ["log", "INFO"],
  ["info", "INFO"],
  ["warn", "WARN"],
  ["error", "ERROR"],
  ["debug", "DEBUG"],
  ["trace", "TRACE"],
];

/** Patches the writers (reference-counted: one install per running runner). Returns the uninstall function. */
export function installLogCapture(): () => void {
  if (installed++ === 0) restore = patch();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--installed === 0) {
      restore?.();
      restore = undefined;
    }
  };
}

/** Runs `fn` with its output (and that of everything it awaits or schedules) going to `sink`. */
export function runWithLogSink<T>(sink: LogSink, fn: () => T): T {
  return storage.run(sink, fn);
}

/** Runs `fn` outside any invocation's capture: for writing captured lines through to the real stdout. */
export function outsideCapture<T>(fn: () => T): T {
  return storage.exit(fn);
}

function patch(): () => void {
  const undo: Array<() => void> = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    const patched = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const sink = storage.getStore();
      if (!sink) return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
      sink.raw(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    };
    stream.write = patched as typeof stream.write;
    undo.push(() => {
      if (stream.write === patched) stream.write = original;
    });
  }
  const target = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const [name, level] of CONSOLE_LEVELS) {
    const original = target[name];
    if (typeof original !== "function") continue;
    const patched = function (this: unknown, ...args: unknown[]): void {
      const sink = storage.getStore();
      if (!sink) return original.apply(this, args);
      sink.console(level, format(...args));
    };
    target[name] = patched;
    undo.push(() => {
      if (target[name] === patched) target[name] = original;
    });
  }
  return () => undo.reverse().forEach((u) => u());
}
