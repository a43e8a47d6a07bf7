import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";

export interface RailsServer {
  origin: string;
  log: () => string;
  stop(): Promise<void>;
}

/**
 * The gem's Rails test app (producers/ruby/test/rails/app) as a real HTTP server (WEBrick, from Debian's Ruby),
 * so the browser loads its page and its token from the Rails origin.
 */
export async function startRailsServer(port: number, env: Record<string, string>): Promise<RailsServer> {
  const ruby = join(projectRoot(), "producers/ruby");
  const script = [
    `require ${JSON.stringify(join(ruby, "test/rails/app/config/environment"))}`,
    `require "rack/handler/webrick"`,
    `Rack::Handler::WEBrick.run(Rails.application, Host: "127.0.0.1", Port: ${port}, AccessLog: [], Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN))`,
  ].join("\n");
  let output = "";
  const child: ChildProcess = spawn(
    "ruby",
    ["-I", join(ruby, "lib"), "-I", join(ruby, "test/support"), "-e", script],
    {
      env: { ...process.env, RAILS_ENV: "test", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Rails app exited (${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${origin}/kjp/access_token`);
      if (r.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`the Rails app did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    origin,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
