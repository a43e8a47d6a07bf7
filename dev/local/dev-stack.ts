import { mkdirSync, writeFileSync } from "node:fs";
import { loadServiceDefinition } from "../service-definition/service-definition.js";
import {
  createResources,
  defaultResourceClients,
  destroyResourceClients,
  type CreatedResources,
} from "./resources.js";
import { kjpDir } from "./project-paths.js";
import { applyStackEnv, startLocalStack, type LocalStack, type LocalStackOptions } from "./stack.js";

export interface DevStackOptions extends LocalStackOptions {
  stage?: string;
  /** Starts the stack instead of the embedded one (e.g. LocalStack: dev/localstack/as-stack.ts). */
  startStack?: (options: LocalStackOptions) => Promise<LocalStack>;
}

export interface DevStack {
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
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const started = Date.now();
  const stack = await (options.startStack ?? startLocalStack)(options);
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
