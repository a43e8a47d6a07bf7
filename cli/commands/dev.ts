import { rmSync } from "node:fs";
import { Option, type Command } from "commander";
import type { PipelineSession, PipelineSessionOptions } from "../../dev/demo/pipeline-session.js";
import { isPortFree } from "../../dev/local/free-port.js";
import { kjpDir } from "../../dev/local/project-paths.js";
import { optionalSetting } from "../../lib/config/env.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { StackKind } from "../../dev/localstack/as-stack.js";

/** --stack: what `kjp dev` and `kjp demo` start when the environment points at no running stack. */
export const stackOption = () =>
  new Option(
    "--stack <kind>",
    "embedded (kinesis-mock, DynamoDB Local, moto) or localstack (LocalStack in host mode)",
  )
    .choices(["embedded", "localstack"])
    .default("embedded");

export interface DevCommandDeps {
  start: (options: PipelineSessionOptions) => Promise<PipelineSession>;
  out: (text: string) => void;
  /** Resolves when the session should stop (default: SIGINT or SIGTERM). */
  stopSignal: () => Promise<unknown>;
}

function onSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve(signal);
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

function httpPortTaken(port: number, cause?: unknown): ConfigurationError {
  return new ConfigurationError(
    `port ${port} on 127.0.0.1 (the local HTTP API) is already in use, perhaps by another kjp dev`,
    "stop what holds it, or pass --http-port <port> (0 = any free port) or set KJP_HTTP_PORT",
    cause,
  );
}

const defaults = (): DevCommandDeps => ({
  // The stack and the pipeline are loaded when the command runs, not for `kjp --help`.
  start: async (options) =>
    (await import("../../dev/demo/pipeline-session.js")).startPipelineSession(options),
  out: (text) => process.stdout.write(text),
  stopSignal: onSignal,
});

/**
 * `kjp dev`: the local stack, serverless.yml's resources and the runner with the real consumer, and no
 * workload: publish with `kjp publish` from another shell (the exports it prints point there) and watch the
 * consumer's log lines here. Runs until Ctrl-C, then stops the runner and the emulators. Its state (emulator
 * data, checkpoints, keys) is kept in .kjp/dev, so the next `kjp dev` resumes where this one stopped;
 * `--fresh` forgets it.
 */
export function register(program: Command, deps: Partial<DevCommandDeps> = {}): void {
  const d = { ...defaults(), ...deps };
  program
    .command("dev")
    .description("run the local stack and the event source mapping runner with the consumer until Ctrl-C")
    .option("--quiet", "do not echo the consumer's log lines", false)
    .option("--keys-dir <dir>", "where the session's demo keys are written (default .kjp/dev)")
    .addOption(stackOption())
    .option(
      "--http-port <port>",
      "port of the local HTTP API (default KJP_HTTP_PORT, else 3001; 0 = any free port)",
    )
    .option(
      "--data-dir <dir>",
      "where the session keeps emulator data, checkpoints and keys between runs (default .kjp/dev); two sessions at once need two",
    )
    .option(
      "--fresh",
      "start from nothing: forget the stream, tables, checkpoints and keys kept in .kjp/dev by earlier runs",
      false,
    )
    .action(
      async (opts: {
        quiet: boolean;
        keysDir?: string;
        dataDir?: string;
        stack: StackKind;
        httpPort?: string;
        fresh: boolean;
      }) => {
        const log = (line: string) => d.out(`${line}\n`);
        const httpPort = Number(opts.httpPort ?? optionalSetting(process.env, "KJP_HTTP_PORT") ?? 3001);
        // Said before the stack starts, not a minute later: most often another `kjp dev` holds the default port.
        if (httpPort !== 0 && !(await isPortFree(httpPort))) throw httpPortTaken(httpPort);
        // Listen before starting: a Ctrl-C during start-up must still stop what was started.
        const stop = d.stopSignal();
        // Everything lives under the data dir (emulator data, checkpoints, keys), so a restart resumes where the
        // last run stopped: records published meanwhile are read, and the ledger still knows what was applied.
        const persistDir = opts.dataDir ?? kjpDir("dev");
        if (opts.fresh) rmSync(persistDir, { recursive: true, force: true });
        const session = await d
          .start({
            log,
            echoLogs: !opts.quiet,
            keysDir: opts.keysDir ?? persistDir,
            httpPort,
            stack: opts.stack,
            persistDir,
          })
          .catch((error: unknown) => {
            // Taken between the check above and the HTTP API's listen.
            throw (error as NodeJS.ErrnoException).code === "EADDRINUSE"
              ? httpPortTaken(httpPort, error)
              : error;
          });
        try {
          log(
            `Runner reading ${session.runner.streamName} for ${session.runner.functionName} (log group ${session.runner.logGroupName}).`,
          );
          log(`Use the stack from another shell:  source ${session.envFile}`);
          log(
            "  (every variable kjp reads: endpoints, tables, stream, queue, audience, issuers, signing key; removed on stop)",
          );
          log(
            `Then e.g.: kjp publish --type note.added --v 1 --sub acc_DEMO0001 --data '{"noteId":"note_DEV00001","accountId":"acc_DEMO0001","authorId":"usr_DEV00001","body":"hello","mentions":[],"createdAt":"${new Date().toISOString()}","notify":false}'`,
          );
          if (session.httpApi) {
            log(
              `HTTP API (serverless.yml's httpApi, with its authorizer) at ${session.httpApi.url}, for the origin ${session.httpApi.allowedOrigins.join(", ")}:`,
            );
            log(
              `  curl -H "Authorization: Bearer $(kjp access-token --sub usr_DEV00001 --account acc_DEMO0001)" ${session.httpApi.url}/accounts/acc_DEMO0001/pipeline`,
            );
          }
          log("Press Ctrl-C to stop.");
          const keepAlive = setInterval(() => undefined, 1 << 30);
          try {
            await stop;
          } finally {
            clearInterval(keepAlive);
          }
          log("Stopping...");
        } finally {
          await session.stop();
        }
        log("Stopped.");
      },
    );
}
