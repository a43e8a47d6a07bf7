import { KjpError } from "../../lib/errors/kjp-error.js";
import { findFreePort } from "./free-port.js";

/**
 * Starts something on a free port, picking a new port if it dies at start-up: another process can grab the
 * probed port before the emulator binds it. A fixed port (explicitly requested) is tried once.
 */
export async function startOnFreePort<T>(
  fixedPort: number | undefined,
  start: (port: number) => Promise<T>,
  attempts = 3,
): Promise<T> {
  if (fixedPort !== undefined) return start(fixedPort);
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await start(await findFreePort());
    } catch (error) {
      last = error;
      if (!(error instanceof KjpError && error.code === "emulator_exited" && error.retryable)) throw error;
    }
  }
  throw last;
}
