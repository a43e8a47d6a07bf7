import { fork, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";
import type { ConsumerCommand, ConsumerReply } from "./consumer-process.js";

/** The consumer process seen from the run: start, SIGKILL, drain, stop. */
export class ConsumerControl {
  private child: ChildProcess | undefined;
  starts = 0;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {}

  async start(): Promise<void> {
    const fd = openSync(this.logFile, "a");
    try {
      this.child = fork(
        join(projectRoot(), "dev", "local", "run-ts.mjs"),
        ["dev/chaos/consumer-process.ts"],
        {
          cwd: projectRoot(),
          env: this.env,
          stdio: ["ignore", fd, fd, "ipc"],
        },
      );
    } finally {
      closeSync(fd);
    }
    this.starts++;
    await this.reply("started", 240_000);
  }

  /** SIGKILL: no stop(), no checkpoint flush; whatever batch is in flight dies with it. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;
  }

  async drain(timeoutMs: number): Promise<Extract<ConsumerReply, { reply: "drained" }>> {
    this.send({ cmd: "drain", timeoutMs });
    return (await this.reply("drained", timeoutMs + 30_000)) as Extract<ConsumerReply, { reply: "drained" }>;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    this.send({ cmd: "stop" });
    await Promise.race([gone, new Promise((r) => setTimeout(r, 60_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    this.child = undefined;
  }

  private send(m: ConsumerCommand): void {
    if (!this.child) throw new Error("the consumer process is not running");
    this.child.send(m);
  }

  private reply(kind: ConsumerReply["reply"], timeoutMs: number): Promise<ConsumerReply> {
    const child = this.child!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`no "${kind}" from the consumer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (m: ConsumerReply) => {
        if (m.reply === kind) done(undefined, m);
      };
      const onExit = (code: number | null) =>
        done(new Error(`the consumer process exited (${code}) before "${kind}"; see ${this.logFile}`));
      const done = (error?: Error, m?: ConsumerReply) => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        if (error) reject(error);
        else resolve(m!);
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  }
}
