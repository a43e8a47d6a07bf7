import type { Emulator } from "./emulator.js";
import { httpAnswers } from "./http-health.js";
import { startManagedProcess, type ManagedProcessOptions } from "./managed-process.js";
import { startOnFreePort } from "./start-on-free-port.js";

/** How to run one emulator on a given port: its command line, folder and environment. */
export type EmulatorLaunch = Pick<ManagedProcessOptions, "command" | "args" | "cwd" | "env">;

export interface EmulatorSpec {
  /** The service it stands in for, as the stack names it (kinesis, dynamodb, moto). */
  name: string;
  /** Its process name, in errors and in the log file name (`<processName>-<port>.log`). */
  processName: string;
  /** Fixed port (tried once); default a free loopback port, picked again if the emulator dies starting. */
  port?: number;
  /** The path on its endpoint that answers once it serves ("" for the root). */
  healthPath: string;
  startTimeoutMs?: number;
  launch: (port: number) => EmulatorLaunch | Promise<EmulatorLaunch>;
}

/**
 * Starts an embedded emulator on a loopback port and resolves once it answers HTTP there: the shared tail of
 * kinesis-mock, DynamoDB Local and moto (each knows only its own command line).
 */
export function startEmulator(spec: EmulatorSpec): Promise<Emulator> {
  return startOnFreePort(spec.port, async (port) => {
    const endpoint = `http://127.0.0.1:${port}`;
    const proc = await startManagedProcess({
      name: spec.processName,
      logName: `${spec.processName}-${port}`,
      ...(await spec.launch(port)),
      healthCheck: () => httpAnswers(`${endpoint}${spec.healthPath}`),
      startTimeoutMs: spec.startTimeoutMs ?? 60_000,
    });
    return {
      name: spec.name,
      endpoint,
      port,
      pid: proc.pid,
      logFile: proc.logFile,
      startMs: proc.startMs,
      stop: proc.stop,
    };
  });
}
