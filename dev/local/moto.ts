import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { ConfigurationError, KjpError } from "../../lib/errors/kjp-error.js";
import type { Emulator } from "./emulator.js";
import { httpAnswers } from "./http-health.js";
import { startManagedProcess } from "./managed-process.js";
import { requirePython3 } from "./prerequisites.js";
import { kjpDir } from "./project-paths.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { startOnFreePort } from "./start-on-free-port.js";

export interface MotoOptions {
  port?: number;
  /** Defaults to <project>/.venv. */
  venvDir?: string;
  startTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(command: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, "a");
    const child = spawn(command, args, { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(
            new KjpError(
              "moto_install_failed",
              `${command} ${args.join(" ")} exited with ${code}. See ${logFile}.`,
              {
                hint: "moto is installed from PyPI into .venv on first use: check network access to PyPI, or delete .venv and retry.",
              },
            ),
          ),
    );
  });
}

/** A lock folder, so two processes starting a stack at once do not both run pip into the same venv. */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const staleMs = 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > staleMs)
          rmSync(lockDir, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Makes sure `.venv` holds the pinned moto from requirements-local.txt. A stamp with the requirements' hash
 * makes the check free after the first install and reinstalls when the pin changes.
 */
/** The first start of the embedded stack installs moto into .venv: worth saying before a minute of silence. */
export function motoNeedsInstall(venvDir = join(projectRoot(), ".venv")): boolean {
  return !existsSync(join(venvDir, "bin", "moto_server"));
}

export async function ensureMotoInstalled(venvDir = join(projectRoot(), ".venv")): Promise<string> {
  const requirements = join(projectRoot(), "requirements-local.txt");
  const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
  const stamp = join(venvDir, ".kjp-requirements.sha256");
  const server = join(venvDir, "bin", "moto_server");
  const ready = () =>
    existsSync(server) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === wanted;
  if (ready()) return server;

  const python = requirePython3();
  mkdirSync(kjpDir("logs"), { recursive: true });
  const logFile = kjpDir("logs", "moto-install.log");
  await withLock(`${venvDir}.lock`, async () => {
    if (ready()) return;
    if (!existsSync(join(venvDir, "bin", "pip"))) {
      await run(python, ["-m", "venv", venvDir], logFile).catch((cause: unknown) => {
        throw new ConfigurationError(
          `Could not create the Python venv ${venvDir}.`,
          "Install the venv module (Debian/Ubuntu: `apt-get install python3-venv`).",
          cause,
        );
      });
    }
    await run(
      join(venvDir, "bin", "pip"),
      ["install", "--disable-pip-version-check", "-q", "-r", requirements],
      logFile,
    );
    writeFileSync(stamp, `${wanted}\n`);
  });
  return server;
}

/** Starts moto server (SQS, S3, CloudWatch Logs and the rest of moto) on loopback, installing it first if needed. */
export async function startMoto(opts: MotoOptions = {}): Promise<Emulator> {
  const server = await ensureMotoInstalled(opts.venvDir);
  return startOnFreePort(opts.port, async (port) => {
    const endpoint = `http://127.0.0.1:${port}`;
    const proc = await startManagedProcess({
      name: "moto",
      logName: `moto-${port}`,
      command: server,
      args: ["-H", "127.0.0.1", "-p", String(port)],
      env: { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
      healthCheck: () => httpAnswers(`${endpoint}/moto-api/`),
      startTimeoutMs: opts.startTimeoutMs ?? 60_000,
    });
    return {
      name: "moto",
      endpoint,
      port,
      pid: proc.pid,
      logFile: proc.logFile,
      startMs: proc.startMs,
      stop: proc.stop,
    };
  });
}
