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
import { requirePython3 } from "./prerequisites.js";
import { kjpDir } from "./project-paths.js";

/** One Python tool installed from PyPI into a venv of its own: moto (.venv), LocalStack, cfn-lint. */
export interface PinnedVenv {
  /** Short name for messages, the install log and the error code (e.g. "localstack"). */
  name: string;
  /**
   * The requirements: a lock with `--hash` lines for every package (installed with --require-hashes), or,
   * with `requireHashes: false`, plain pins.
   */
  lockFile: string;
  /** Default true. */
  requireHashes?: boolean;
  venvDir: string;
  /** A file the install creates (e.g. "bin/moto_server"): when it is missing the venv is installed again. */
  provides?: string;
  /** Progress lines (install only; a ready venv prints nothing). */
  log?: (line: string) => void;
}

export interface EnsuredVenv {
  python: string;
  bin: (tool: string) => string;
  /** True when this call ran pip; false when the stamp said the venv already matched the lock. */
  installed: boolean;
  installMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock folder, so two processes starting a stack at once do not both run pip into the same venv. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
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

function run(command: string, args: string[], logFile: string, name: string): Promise<void> {
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
              `${name}_install_failed`,
              `${command} ${args.join(" ")} exited with ${code}. See ${logFile}.`,
              {
                hint: `${name} is installed from PyPI on first use: check network access to PyPI, or delete the venv and retry.`,
              },
            ),
          ),
    );
  });
}

/**
 * Makes sure `venvDir` holds exactly the pins of `lockFile`. A stamp with the lock's hash makes the
 * check free once installed and reinstalls when the lock changes; a lock folder keeps two processes from
 * running pip into the same venv at once.
 */
export async function ensurePinnedVenv(spec: PinnedVenv): Promise<EnsuredVenv> {
  const { name, lockFile, venvDir } = spec;
  const log = spec.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bin = (tool: string) => join(venvDir, "bin", tool);
  const wanted = createHash("sha256").update(readFileSync(lockFile)).digest("hex");
  const stamp = join(venvDir, ".kjp-lock.sha256");
  const ready = () =>
    (spec.provides === undefined || existsSync(join(venvDir, spec.provides))) &&
    existsSync(stamp) &&
    readFileSync(stamp, "utf8").trim() === wanted;
  if (ready()) return { python: bin("python"), bin, installed: false, installMs: 0 };

  const started = Date.now();
  let installed = false;
  mkdirSync(kjpDir("logs"), { recursive: true });
  const logFile = kjpDir("logs", `${name}-install.log`);
  await withLock(`${venvDir}.lock`, async () => {
    if (ready()) return;
    installed = true;
    log(`${name}: installing the pinned packages of ${lockFile} into ${venvDir} (first use; log ${logFile})`);
    if (!existsSync(bin("pip"))) {
      log(`${name}: creating the venv`);
      await run(requirePython3(), ["-m", "venv", venvDir], logFile, name).catch((cause: unknown) => {
        throw new ConfigurationError(
          `Could not create the Python venv ${venvDir}.`,
          "Install the venv module (Debian/Ubuntu: `apt-get install python3-venv`).",
          cause,
        );
      });
    }
    const hashes = spec.requireHashes === false ? [] : ["--require-hashes"];
    log(`${name}: pip install ${hashes.join(" ")} (downloads from PyPI; about a minute or two)`);
    const ticker = setInterval(
      () => log(`${name}: still installing (${Math.round((Date.now() - started) / 1000)} s)`),
      15_000,
    );
    try {
      await run(
        bin("pip"),
        ["install", "--disable-pip-version-check", "--no-input", ...hashes, "-r", lockFile],
        logFile,
        name,
      );
    } finally {
      clearInterval(ticker);
    }
    writeFileSync(stamp, `${wanted}\n`);
    log(`${name}: installed in ${Math.round((Date.now() - started) / 1000)} s`);
  });
  return { python: bin("python"), bin, installed, installMs: Date.now() - started };
}
