import { optionalSetting } from "../../lib/config/env.js";
import type { ServiceDefinition } from "../service-definition/service-definition.js";
import { streamEventSettingsOf, type StreamEventSettings } from "../service-definition/stream-event.js";
import { claimStackEnvFile, type StackEnvFile } from "./stack-env-file.js";
import { createLocalProducer, LOCAL_AUDIENCE, stackEnvVars, type LocalProducer } from "./stack-env-vars.js";

/** The env file of one running stack, kept complete as the session learns more (its consumer's keys). */
export interface PublishedStackEnv {
  /** The file to `source`. */
  path: string;
  /** What it exports. */
  vars(): Record<string, string>;
  /** The consumer that now reads the stack trusts these issuers: rewrite the file with them. */
  setProducer(producer: LocalProducer, audience?: string): void;
  remove(): void;
}

function consumerOf(definition: ServiceDefinition): StreamEventSettings | undefined {
  try {
    return streamEventSettingsOf(definition, "consumer");
  } catch {
    return undefined;
  }
}

/**
 * Claims the stack's env file (see stack-env-file.ts) and writes every variable a `kjp` command reads. Until
 * a consumer's keys are set, a fresh local producer key stands in, so the file is complete from the start.
 */
export async function publishStackEnv(input: {
  stack: Readonly<Record<string, string>>;
  resources: Readonly<Record<string, string>>;
  definition: ServiceDefinition;
  env?: NodeJS.ProcessEnv;
}): Promise<PublishedStackEnv> {
  const file: StackEnvFile = claimStackEnvFile();
  try {
    let audience = optionalSetting(input.env ?? process.env, "KJP_AUDIENCE") ?? LOCAL_AUDIENCE;
    let producer = await createLocalProducer(file.stateDir);
    const consumer = consumerOf(input.definition);
    const vars = () =>
      stackEnvVars({ stack: input.stack, resources: input.resources, consumer, audience, producer });
    file.write(vars());
    return {
      path: file.path,
      vars,
      setProducer(next, nextAudience) {
        producer = next;
        if (nextAudience) audience = nextAudience;
        file.write(vars());
      },
      remove: () => file.remove(),
    };
  } catch (error) {
    file.remove();
    throw error;
  }
}
