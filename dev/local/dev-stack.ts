import { loadServiceDefinition } from "../service-definition/service-definition.js";
import {
  createResources,
  defaultResourceClients,
  destroyResourceClients,
  type CreatedResources,
} from "./resources.js";
import { publishStackEnv, type PublishedStackEnv } from "./stack-env-publisher.js";
import { applyStackEnv, startLocalStack, type LocalStack, type LocalStackOptions } from "./stack.js";

export interface DevStackOptions extends LocalStackOptions {
  stage?: string;
  /** Starts the stack instead of the embedded one (e.g. LocalStack: dev/localstack/as-stack.ts). */
  startStack?: (options: LocalStackOptions) => Promise<LocalStack>;
}

export interface DevStack {
  stack: LocalStack;
  resources: CreatedResources;
  /** The shell file with `export` lines for every variable a `kjp` command needs (removed on stop). */
  envFile: string;
  stackEnv: PublishedStackEnv;
  timings: { stackMs: number; resourcesMs: number; totalMs: number; perEmulatorMs: Record<string, number> };
  stop(): Promise<void>;
}

/**
 * Boots the local stack and creates serverless.yml's resources: the shared start-up of `npm run stack:up`,
 * `kjp dev` and `npm start`. The environment is applied to this process and written to the stack's env file
 * (.kjp/stack.env, or .kjp/stack-<pid>.env while another stack holds that one) so another shell can `source`
 * it and use `kjp` against the same stack; the file goes when the stack stops.
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
    const definition = loadServiceDefinition({
      stage: options.stage ?? "local",
      region: stack.env.AWS_REGION,
    });
    try {
      resources = await createResources(definition, clients);
    } finally {
      destroyResourceClients(clients);
    }
    const resourcesMs = Date.now() - resourcesStarted;
    Object.assign(process.env, resources.env);
    const stackEnv = await publishStackEnv({ stack: stack.env, resources: resources.env, definition });
    const perEmulatorMs = Object.fromEntries(stack.emulators.map((e) => [e.name, e.startMs ?? 0]));
    return {
      stack,
      resources,
      envFile: stackEnv.path,
      stackEnv,
      timings: { stackMs, resourcesMs, totalMs: Date.now() - started, perEmulatorMs },
      stop: async () => {
        stackEnv.remove();
        await stack.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
