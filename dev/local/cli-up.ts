import { KjpError } from "../../lib/errors/kjp-error.js";
import { motoNeedsInstall } from "./moto.js";
import { withProgress } from "./progress-ticker.js";
import { type DevStack, type DevStackOptions, startDevStack } from "./dev-stack.js";

export interface DevOptions extends DevStackOptions {
  /** Stop right after start-up and resource creation (measurement, smoke test). */
  exitWhenReady?: boolean;
  log?: (line: string) => void;
}

function describe(session: DevStack): string[] {
  const { stack, resources, timings } = session;
  const lines = stack.external
    ? [
        `Using the external stack at ${process.env.AWS_ENDPOINT_URL} (AWS_ENDPOINT_URL is set): nothing started.`,
      ]
    : stack.emulators.map(
        (e) =>
          `  ${e.name.padEnd(9)} ${e.endpoint.padEnd(24)} ready in ${String(e.startMs).padStart(5)} ms   log ${e.logFile ?? "-"}`,
      );
  return [
    `Local stack up in ${timings.stackMs} ms (emulators started concurrently), resources ready in ${timings.resourcesMs} ms, total ${timings.totalMs} ms`,
    ...lines,
    `  created: ${resources.created.length ? resources.created.join(", ") : "nothing (all existed)"}`,
    ...Object.entries(resources.env).map(([k, v]) => `  ${k}=${v}`),
    `Use it from another shell: source ${session.envFile}`,
  ];
}

/** `kjp dev`-like entry without a runner: stack + resources, then wait for Ctrl-C. */
export async function runDev(options: DevOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  let session: DevStack;
  try {
    log(
      motoNeedsInstall()
        ? "Starting the local stack; first run: installing moto (SQS, S3, CloudWatch Logs emulator) into .venv from PyPI, about a minute, once..."
        : "Starting the local stack (kinesis-mock, DynamoDB Local, moto)...",
    );
    session = await withProgress("starting the local stack", startDevStack(options), log);
  } catch (error) {
    log(error instanceof KjpError ? error.toString() : String((error as Error).stack ?? error));
    return 1;
  }
  for (const line of describe(session)) log(line);
  if (options.exitWhenReady) {
    const stopping = Date.now();
    await session.stop();
    log(`Stopped in ${Date.now() - stopping} ms`);
    return 0;
  }
  log("Press Ctrl-C to stop.");
  // Emulator children are unref'd and signal listeners hold nothing: this timer keeps the process up until a signal.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  clearInterval(keepAlive);
  await session.stop();
  log("Stopped.");
  return 0;
}

/** npm run stack:up [-- --exit] [--data-dir DIR] */
export async function main(argv: string[]): Promise<number> {
  const dataIndex = argv.indexOf("--data-dir");
  return runDev({
    exitWhenReady: argv.includes("--exit"),
    dataDir: dataIndex >= 0 ? argv[dataIndex + 1] : undefined,
  });
}
