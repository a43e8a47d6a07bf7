import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { kjpDir } from "./project-paths.js";

/**
 * The shell file that points another terminal at one running local stack (`source .kjp/stack.env`).
 *
 * One file per running stack: the first stack takes `.kjp/stack.env`; while its owner is alive a second
 * stack gets `.kjp/stack-<pid>.env` (and says so), so it never overwrites a file someone is using. A file
 * whose owner died (SIGKILL, power loss) is taken over by the next stack. The owner removes its file on
 * stop, so a file that exists belongs to a stack that is running.
 */
export interface StackEnvFile {
  readonly path: string;
  /** A folder next to the file for what belongs to this stack only (its signing key). */
  readonly stateDir: string;
  /** Replaces the file's variables (written to a temporary file and renamed: a reader never sees half). */
  write(vars: Readonly<Record<string, string>>): void;
  /** Removes the file and the state folder, if they are still this process's. */
  remove(): void;
}

const OWNER_LINE = /^# kjp stack env: pid (\d+)/;

function ownerOf(path: string): number | undefined {
  try {
    const match = OWNER_LINE.exec(readFileSync(path, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Creates `path` only if nobody holds it; a file left by a dead owner is taken over. */
function tryClaim(path: string, pid: number): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(path, "wx"));
      writeFileSync(path, ownerHeader(pid));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = ownerOf(path);
      if (owner === pid) return true;
      if (owner !== undefined && processAlive(owner)) return false;
      // No live owner (or a file from before owners were recorded): stale, take it over.
      rmSync(path, { force: true });
    }
  }
  return false;
}

function ownerHeader(pid: number): string {
  return `# kjp stack env: pid ${pid}, started ${new Date().toISOString()}. Removed when that stack stops.\n`;
}

export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function formatEnvFile(pid: number, vars: Readonly<Record<string, string>>): string {
  const lines = Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return `${ownerHeader(pid)}${lines.join("\n")}\n`;
}

export function claimStackEnvFile(dir: string = kjpDir(), pid: number = process.pid): StackEnvFile {
  mkdirSync(dir, { recursive: true });
  const shared = join(dir, "stack.env");
  const path = tryClaim(shared, pid) ? shared : join(dir, `stack-${pid}.env`);
  const stateDir = join(dir, basename(path, ".env"));
  let removed = false;
  return {
    path,
    stateDir,
    write(vars) {
      if (removed) return;
      const temporary = `${path}.${pid}.tmp`;
      writeFileSync(temporary, formatEnvFile(pid, vars), { mode: 0o600 });
      renameSync(temporary, path);
    },
    remove() {
      if (removed) return;
      removed = true;
      if (ownerOf(path) === pid) rmSync(path, { force: true });
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
