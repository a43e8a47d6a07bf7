import { build } from "esbuild";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KjpError } from "../../lib/errors/kjp-error.js";
import { findFreePort } from "./free-port.js";
import { httpAnswers } from "./http-health.js";
import { startManagedProcess } from "./managed-process.js";
import { projectRoot } from "../../lib/util/project-root.js";

const logDir = mkdtempSync(join(tmpdir(), "kjp-mp-"));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const waitUntil = async (cond: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return cond();
};

const SERVER = `const port = Number(process.env.PORT);
console.log("booting on " + port);
setTimeout(() => require("node:http").createServer((q, s) => s.end("ok")).listen(port, "127.0.0.1"), 200);`;

describe("startManagedProcess", () => {
  it("waits for the health check, logs the output to a file, and stops the process", async () => {
    const port = await findFreePort();
    const proc = await startManagedProcess({
      name: "http-server",
      command: process.execPath,
      args: ["-e", SERVER],
      env: { PORT: String(port) },
      healthCheck: () => httpAnswers(`http://127.0.0.1:${port}/`),
      logDir,
    });
    expect(proc.startMs).toBeGreaterThanOrEqual(150);
    expect(await httpAnswers(`http://127.0.0.1:${port}/`)).toBe(true);
    expect(readFileSync(proc.logFile, "utf8")).toContain(`booting on ${port}`);
    await proc.stop();
    expect(alive(proc.pid)).toBe(false);
    await proc.stop(); // twice is harmless
  });

  it("reports a process that exits during start-up with the end of its log", async () => {
    const failure = startManagedProcess({
      name: "crasher",
      command: process.execPath,
      args: ["-e", 'console.error("address already in use 4568"); process.exit(3)'],
      healthCheck: async () => false,
      logDir,
    });
    await expect(failure).rejects.toMatchObject({
      code: "emulator_exited",
      retryable: true,
      message: expect.stringContaining("address already in use 4568"),
    });
  });

  it("reports a command that cannot be started as not retryable", async () => {
    const failure = startManagedProcess({
      name: "missing",
      command: join(logDir, "no-such-binary"),
      args: [],
      healthCheck: async () => true,
      logDir,
    });
    await expect(failure).rejects.toMatchObject({ code: "emulator_exited", retryable: false });
  });

  it("gives up at the deadline and kills what it started", async () => {
    let pid = 0;
    const failure = startManagedProcess({
      name: "never-healthy",
      command: process.execPath,
      args: ["-e", "console.log(process.pid); setInterval(() => {}, 1000)"],
      healthCheck: async () => {
        const text = readFileSync(join(logDir, "never-healthy.log"), "utf8").trim();
        if (text) pid = Number(text);
        return false;
      },
      startTimeoutMs: 600,
      logDir,
    });
    await expect(failure).rejects.toBeInstanceOf(KjpError);
    await expect(failure).rejects.toMatchObject({ code: "emulator_start_timeout" });
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  it("escalates to SIGKILL when the process ignores SIGTERM", async () => {
    const proc = await startManagedProcess({
      name: "stubborn",
      command: process.execPath,
      args: [
        "-e",
        'process.on("SIGTERM", () => console.log("ignoring")); setInterval(() => {}, 1000); console.log("up")',
      ],
      healthCheck: async () => readFileSync(join(logDir, "stubborn.log"), "utf8").includes("up"),
      stopTimeoutMs: 300,
      logDir,
    });
    const started = Date.now();
    await proc.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(alive(proc.pid)).toBe(false);
    expect(readFileSync(proc.logFile, "utf8")).toContain("ignoring");
  });

  it("leaves no orphan when its parent is killed with SIGKILL", async () => {
    // A real parent process using this module, bundled on the fly, killed without any chance to clean up.
    const script = join(logDir, "parent.mjs");
    await build({
      stdin: {
        contents: `import { startManagedProcess } from ${JSON.stringify(join(projectRoot(), "dev/local/managed-process.ts"))};
          const p = await startManagedProcess({ name: "orphan-candidate", command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"],
            healthCheck: async () => true, logDir: ${JSON.stringify(logDir)} });
          console.log(p.pid); setInterval(() => {}, 1000);`,
        resolveDir: projectRoot(),
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      packages: "external",
      outfile: script,
      logLevel: "silent",
    });
    const parent = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    const childPid = await new Promise<number>((resolve) =>
      parent.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    expect(alive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    expect(await waitUntil(() => !alive(childPid), 5_000)).toBe(true);
  });
});
