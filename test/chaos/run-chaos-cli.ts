import { spawn } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";

export interface ChaosRun {
  code: number | null;
  /** The JSON line `npm run chaos` prints last. */
  summary: Record<string, unknown> & { ok?: boolean };
  stderr: string;
}

/** Runs `npm run chaos` with these arguments in its own state folder, and reads its last line. */
export function runChaosCli(args: string[], stateDir: string): Promise<ChaosRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(projectRoot(), "dev/local/run-ts.mjs"), "dev/chaos/cli-chaos.ts", ...args],
      {
        cwd: projectRoot(),
        env: {
          ...process.env,
          KJP_STATE_DIR: stateDir,
          NODE_OPTIONS: "",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve({ code, summary: JSON.parse(last) as ChaosRun["summary"], stderr });
      } catch {
        reject(
          new Error(
            `chaos printed no JSON line last (exit ${code}): ${stdout.slice(-500)}\n${stderr.slice(-2000)}`,
          ),
        );
      }
    });
  });
}
