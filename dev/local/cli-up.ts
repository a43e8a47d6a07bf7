import { mkdirSync, writeFileSync } from "node:fs";
import { loadServiceDefinition } from "../service-definition/service-definition.js";
import { KjpError } from "../../lib/errors/kjp-error.js";
import {
  createResources,
  defaultResourceClients,
  destroyResourceClients,
  type CreatedResources,
} from "./resources.js";
import { kjpDir } from "./project-paths.js";
import { applyStackEnv, startLocalStack, type LocalStack, type LocalStackOptions } from "./stack.js";

export interface DevOptions extends LocalStackOptions {
  stage?: string;
  /** Stop right after start-up and resource creation (measurement, smoke test). */
  exitWhenReady?: boolean;
  log?: (line: string) => void;
}

export interface DevSession {
  stack: LocalStack;
  resources: CreatedResources;
  /** The shell file with `export` lines for every variable a tool needs to reach the stack. */
  envFile: string;
  timings: { stackMs: number; resourcesMs: number; totalMs: number; perEmulatorMs: Record<string, number> };
  stop(): Promise<void>;
}

/**
 * Boots the local stack and creates serverless.yml's resources: the shared start-up of `npm run stack:up`,
 * `kjp dev` and `npm start`. The environment is applied to this process and written to .kjp/stack.env so
 * another shell can `source` it and use `kjp` against the same stack.
 */
export async function startDev(options: DevOptions = {}): Promise<DevSession> {
  const started = Date.now();
  const stack = await startLocalStack(options);
  const stackMs = Date.now() - started;
  try {
    applyStackEnv(stack);
    const clients = defaultResourceClients();
    let resources: CreatedResources;
    const resourcesStarted = Date.now();
    try {
      resources = await createResources(
        loadServiceDefinition({ stage: options.stage ?? "local", region: stack.env.AWS_REGION }),
        clients,
      );
    } finally {
      destroyResourceClients(clients);
    }
    const resourcesMs = Date.now() - resourcesStarted;
    Object.assign(process.env, resources.env);
    mkdirSync(kjpDir(), { recursive: true });
    const envFile = kjpDir("stack.env");
    const lines = Object.entries({ ...stack.env, ...resources.env }).map(
      ([k, v]) => `export ${k}=${JSON.stringify(v)}`,
    );
    writeFileSync(envFile, `${lines.join("\n")}\n`);
    const perEmulatorMs = Object.fromEntries(stack.emulators.map((e) => [e.name, e.startMs ?? 0]));
    return {
      stack,
      resources,
      envFile,
      timings: { stackMs, resourcesMs, totalMs: Date.now() - started, perEmulatorMs },
      stop: () => stack.stop(),
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

function describe(session: DevSession): string[] {
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
  let session: DevSession;
  try {
    session = await startDev(options);
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
