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

/** Bundles a parent script that imports this module, so a test can watch a real process use it. */
async function bundleParent(name: string, body: string): Promise<string> {
  const script = join(logDir, name);
  await build({
    stdin: {
      contents: `import { startManagedProcess } from ${JSON.stringify(join(projectRoot(), "dev/local/managed-process.ts"))};\n${body}`,
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
  return script;
}

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
    // A real parent process using this module, killed without any chance to clean up.
    const script = await bundleParent(
      "parent.mjs",
      `const p = await startManagedProcess({ name: "orphan-candidate", command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"],
         healthCheck: async () => true, logDir: ${JSON.stringify(logDir)} });
       console.log(p.pid); setInterval(() => {}, 1000);`,
    );
    const parent = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    const childPid = await new Promise<number>((resolve) =>
      parent.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    expect(alive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    expect(await waitUntil(() => !alive(childPid), 5_000)).toBe(true);
  });
  it("keeps its parent alive until a SIGKILLed child is reaped (a stop never ends the process early)", async () => {
    // The child is unref'd; if stop() awaited its exit with nothing else pending, Node would quit (code 0, or
    // 13 in ESM) in the middle of the await. That is how Jest once exited 0 after a failed integration run.
    // The child holds 300 MB so the kernel takes a while to tear it down after SIGKILL, as an emulator's does:
    // a tiny child dies so fast that its exit is seen before the loop empties, and the bug would not show.
    const log = join(logDir, "stubborn-2.log");
    const script = await bundleParent(
      "stopper.mjs",
      `import { readFileSync } from "node:fs";
       const p = await startManagedProcess({ name: "stubborn-2", command: process.execPath,
         args: ["-e", 'globalThis.held = Buffer.alloc(300_000_000, 1); process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); console.log("up")'],
         healthCheck: async () => readFileSync(${JSON.stringify(log)}, "utf8").includes("up"),
         stopTimeoutMs: 200, logDir: ${JSON.stringify(logDir)} });
       await p.stop();
       console.log("stopped");
       process.exitCode = 7;`,
    );
    const parent = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    parent.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => parent.once("exit", resolve));
    expect({ code, out: out.trim() }).toEqual({ code: 7, out: "stopped" });
  });
});
