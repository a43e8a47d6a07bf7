import type { Command } from "commander";
import type { startConsole } from "../../dev/console/console.js";
import type { ConsoleServer } from "../../dev/console/server.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";

export interface ConsoleCommandDeps {
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the console should stop (default: SIGINT or SIGTERM). */
  stopSignal: () => Promise<unknown>;
  start: typeof startConsole;
}

function onSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/**
 * `kjp console [--port N] [--allow-replay]`: the operator console (docs/console.md) on 127.0.0.1, against the
 * stack the environment points at. Prints the URL with its access token and runs until Ctrl-C.
 */
export function register(program: Command, deps: Partial<ConsoleCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  program
    .command("console")
    .description(
      "serve the operator console (overview, failures, message, replay, keys) on 127.0.0.1; read-only unless --allow-replay",
    )
    .option("--port <n>", "port on 127.0.0.1 (default: a free one)", "0")
    .option("--allow-replay", "allow replays and dry runs from the console", false)
    .action(async (opts: { port: string; allowReplay: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isSafeInteger(port) || port < 0 || port > 65_535)
        throw new ConfigurationError(
          `--port "${opts.port}" is not a port number`,
          "use 1-65535, or 0 for any free port",
        );
      const stop = (deps.stopSignal ?? onSignal)();
      // The console (and the SDK) is loaded when the command runs, not for `kjp --help`.
      const start = deps.start ?? (await import("../../dev/console/console.js")).startConsole;
      const server: ConsoleServer = await start({
        env: deps.env ?? process.env,
        port,
        allowReplay: opts.allowReplay,
      });
      out(
        `kjp console ${opts.allowReplay ? "(replay allowed)" : "(read-only)"} on 127.0.0.1:${server.port}\n` +
          `Open: ${server.url}\n` +
          "Press Ctrl-C to stop.\n",
      );
      const keepAlive = setInterval(() => undefined, 1 << 30);
      try {
        await stop;
      } finally {
        clearInterval(keepAlive);
        await server.close();
      }
    });
}
