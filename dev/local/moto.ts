import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Emulator } from "./emulator.js";
import { ensurePinnedVenv } from "./pinned-venv.js";
import { startEmulator } from "./start-emulator.js";
import { projectRoot } from "../../lib/util/project-root.js";

export interface MotoOptions {
  port?: number;
  /** Defaults to <project>/.venv. */
  venvDir?: string;
  startTimeoutMs?: number;
}

/** The first start of the embedded stack installs moto into .venv: worth saying before a minute of silence. */
export function motoNeedsInstall(venvDir = join(projectRoot(), ".venv")): boolean {
  return !existsSync(join(venvDir, "bin", "moto_server"));
}

/**
 * Makes sure `.venv` holds the pinned moto of requirements-local.txt (installed on first use, again when the
 * pin changes). Silent: the stack's start-up says it is installing (motoNeedsInstall) and ticks meanwhile.
 */
export async function ensureMotoInstalled(venvDir = join(projectRoot(), ".venv")): Promise<string> {
  const venv = await ensurePinnedVenv({
    name: "moto",
    lockFile: join(projectRoot(), "requirements-local.txt"),
    requireHashes: false,
    venvDir,
    provides: join("bin", "moto_server"),
    log: () => undefined,
  });
  return venv.bin("moto_server");
}

/** Starts moto server (SQS, S3, CloudWatch Logs and the rest of moto) on loopback, installing it first if needed. */
export async function startMoto(opts: MotoOptions = {}): Promise<Emulator> {
  const server = await ensureMotoInstalled(opts.venvDir);
  return startEmulator({
    name: "moto",
    processName: "moto",
    port: opts.port,
    healthPath: "/moto-api/",
    startTimeoutMs: opts.startTimeoutMs,
    launch: (port) => ({
      command: server,
      args: ["-H", "127.0.0.1", "-p", String(port)],
      env: { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
    }),
  });
}
