import { KjpError } from "../../lib/errors/kjp-error.js";
import type { Emulator } from "./emulator.js";
import { isPortFree } from "./free-port.js";
import { httpAnswers } from "./http-health.js";

export interface RestartOnPortOptions {
  /** The emulator's name, in the error. */
  name: string;
  /** The port its clients were given: it must come back there. */
  port: number;
  /** The path on its endpoint that answers once it serves ("" for the root), as for its first start. */
  healthPath: string;
  /** Starts it on that port (a fixed-port start is tried once), with at most `startTimeoutMs` to become healthy. */
  start: (startTimeoutMs: number) => Promise<Emulator>;
  /** How long the whole restart may take before it is a harness error. */
  deadlineMs?: number;
  pollIntervalMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts an emulator again on the port its clients already hold, and resolves only once it answers there, within
 * one deadline. Unlike a first start it cannot move to another port, so it waits out whatever still holds the
 * port (the killed process's socket, a neighbour's free-port probe on a busy machine) and tries again when the
 * new process dies at start-up, instead of failing the run on the first clash. A restart that never comes back is
 * a harness error (`emulator_restart_failed`), never a refused connection left for the clients to find.
 */
export async function restartOnPort(options: RestartOnPortOptions): Promise<Emulator> {
  const { name, port } = options;
  const deadlineMs = options.deadlineMs ?? 180_000;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const deadline = Date.now() + deadlineMs;
  const url = `http://127.0.0.1:${port}${options.healthPath}`;
  let last: unknown;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    if (await isPortFree(port).catch(() => false)) {
      try {
        const emulator = await options.start(left);
        // start() resolved on its health check; the clients are about to call, so the port must answer now.
        if (await httpAnswers(url)) return emulator;
        last = new Error(`${name} passed its start-up check but ${url} does not answer`);
        await emulator.stop();
      } catch (error) {
        last = error;
        if (!(error instanceof KjpError && error.retryable)) throw error;
      }
    } else {
      last = new Error(`port ${port} is still in use`);
    }
    await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())));
  }
  throw new KjpError(
    "emulator_restart_failed",
    `${name} did not come back on port ${port} within ${deadlineMs} ms (last: ${last instanceof Error ? last.message : String(last)}).`,
    {
      hint: `Its clients still point at port ${port}: see the emulator's log under .kjp/logs; the machine may be overloaded.`,
      cause: last,
    },
  );
}
