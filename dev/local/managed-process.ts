import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { KjpError } from "../../lib/errors/kjp-error.js";
import { kjpDir } from "./project-paths.js";

export interface ManagedProcessOptions {
  /** Short name, used in errors. */
  name: string;
  /** Log file base name (default: name); include the port so two stacks side by side keep separate logs. */
  logName?: string;
  command: string;
  args: string[];
  cwd?: string;
  /** Added to (not replacing) the parent's environment. */
  env?: Record<string, string>;
  /** Resolves true once the process serves requests. Polled until it does or the deadline passes. */
  healthCheck: () => Promise<boolean>;
  startTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Grace period between SIGTERM and SIGKILL on stop. */
  stopTimeoutMs?: number;
  logDir?: string;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Milliseconds from spawn to the first successful health check. */
  startMs: number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Last line of defence on a normal exit (including process.exit from a test runner): kill every child group
 * synchronously, since 'exit' handlers cannot wait. Signal deaths and SIGKILL of the parent are covered by the
 * per-child guard below.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) killGroup(child, "SIGKILL");
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Negative pid: the whole process group, so wrappers (moto_server's Python, a shell) take their children along.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * A tiny shell watchdog: if the parent dies without running its exit hook (SIGKILL, a crash, Ctrl-C with no
 * handler), it takes the child's process group down within about a second, so emulators are never orphaned.
 */
const GUARD_SCRIPT = `while kill -0 "$1" 2>/dev/null; do kill -0 "$2" 2>/dev/null || exit 0; sleep 1; done
kill -TERM -"$2" 2>/dev/null; sleep 2; kill -KILL -"$2" 2>/dev/null; exit 0`;

function spawnGuard(childPid: number): ChildProcess {
  const guard = spawn("/bin/sh", ["-c", GUARD_SCRIPT, "kjp-guard", String(process.pid), String(childPid)], {
    detached: true,
    stdio: "ignore",
  });
  guard.on("error", () => undefined);
  guard.unref();
  return guard;
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

const pruned = new Set<string>();

/** Log names carry the port, so old ones pile up: drop those untouched for a day, once per folder and process. */
function pruneOldLogs(logDir: string, maxAgeMs = 24 * 3600_000): void {
  if (pruned.has(logDir)) return;
  pruned.add(logDir);
  for (const name of readdirSync(logDir)) {
    const file = join(logDir, name);
    try {
      if (name.endsWith(".log") && Date.now() - statSync(file).mtimeMs > maxAgeMs)
        rmSync(file, { force: true });
    } catch {
      /* raced with another process: fine */
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns a long-running helper process, sends its output to .kjp/logs/<name>.log, and resolves once its
 * health check passes. Rejects (and kills the process) if it exits first or misses the deadline, quoting the
 * end of its log so the cause is visible without opening the file.
 */
export async function startManagedProcess(options: ManagedProcessOptions): Promise<ManagedProcess> {
  const { name, command, args } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  const logDir = options.logDir ?? kjpDir("logs");
  mkdirSync(logDir, { recursive: true });
  pruneOldLogs(logDir);
  const logFile = join(logDir, `${options.logName ?? name}.log`);
  const fd = openSync(logFile, "w");

  installExitHook();
  const started = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  live.add(child);
  // Emulators must not keep a CLI or test runner alive on their own; stop() or the exit hook ends them.
  child.unref();

  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (err) => {
      spawnError = err;
      live.delete(child);
      resolve();
    });
    child.once("exit", () => {
      live.delete(child);
      resolve();
    });
  });
  const isGone = () => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
  const guard = child.pid === undefined ? undefined : spawnGuard(child.pid);

  const stop = async (): Promise<void> => {
    if (!isGone()) {
      // The child was unref'd so it cannot keep its parent alive; while we wait for its exit it must, or Node
      // sees an empty event loop after the SIGKILL below and quits with code 0 mid-await (that ended Jest's
      // integration run before it wrote its report or set its exit code).
      child.ref();
      killGroup(child, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), stopTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!done) {
        killGroup(child, "SIGKILL");
        await exited;
      }
    }
    guard?.kill("SIGKILL");
    live.delete(child);
  };

  // No pid means spawn failed (ENOENT, EACCES); its 'error' event arrives on a later tick.
  if (child.pid === undefined) await exited;
  const deadline = started + startTimeoutMs;
  for (;;) {
    if (isGone()) {
      await stop();
      const why = spawnError
        ? `could not be started (${spawnError.message})`
        : `exited early (code ${child.exitCode}, signal ${child.signalCode})`;
      throw new KjpError(
        "emulator_exited",
        `${name} ${why}. Last log lines from ${logFile}:\n${tail(logFile)}`,
        {
          hint: `Check ${logFile}; a port clash or a missing prerequisite is the usual cause.`,
          retryable: spawnError === undefined,
        },
      );
    }
    if (await options.healthCheck().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new KjpError(
        "emulator_start_timeout",
        `${name} did not become healthy within ${startTimeoutMs} ms. Last log lines:\n${tail(logFile)}`,
        {
          hint: `The machine may be overloaded; see ${logFile} or raise the start timeout.`,
          retryable: true,
        },
      );
    }
    await sleep(pollIntervalMs);
  }

  return { name, pid: child.pid ?? -1, logFile, startMs: Date.now() - started, stop };
}
