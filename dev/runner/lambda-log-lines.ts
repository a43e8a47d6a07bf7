import { randomBytes } from "node:crypto";

/**
 * The lines the Lambda Node.js runtime itself writes around an invocation, and its console format,
 * so logs shipped from the local runner look like (and can be queried like) the real function's.
 */
export type ConsoleLevel = "INFO" | "WARN" | "ERROR" | "DEBUG" | "TRACE";

export function startLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: $LATEST`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export interface ReportFigures {
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
}

export function reportLine(requestId: string, f: ReportFigures): string {
  const parts = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(f.durationMs))} ms`,
    `Memory Size: ${f.memorySizeMb} MB`,
    `Max Memory Used: ${Math.round(f.maxMemoryUsedMb)} MB`,
  ];
  if (f.initDurationMs !== undefined) parts.push(`Init Duration: ${f.initDurationMs.toFixed(2)} ms`);
  return `${parts.join("\t")}\t`;
}

/** `console.log("x")` inside a Lambda function becomes `<ISO time>\t<request id>\tINFO\tx`. */
export function consoleLine(nowMs: number, requestId: string, level: ConsoleLevel, message: string): string {
  return `${new Date(nowMs).toISOString()}\t${requestId}\t${level}\t${message}`;
}

/** The runtime's line for an error that escaped the handler. */
export function invokeErrorLine(nowMs: number, requestId: string, error: unknown): string {
  const e = error instanceof Error ? error : new Error(String(error));
  const body = { errorType: e.name, errorMessage: e.message, stack: (e.stack ?? "").split("\n") };
  return consoleLine(nowMs, requestId, "ERROR", `Invoke Error \t${JSON.stringify(body)}`);
}

/** Lambda names a log stream per execution environment: `YYYY/MM/DD/[$LATEST]<32 hex digits>`. */
export function logStreamName(nowMs: number, hex: string = randomBytes(16).toString("hex")): string {
  const iso = new Date(nowMs).toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/[$LATEST]${hex}`;
}

export function logGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}
