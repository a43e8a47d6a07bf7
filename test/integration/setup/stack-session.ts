import { loadServiceDefinition } from "../../../dev/service-definition/service-definition.js";
import {
  createResources,
  defaultResourceClients,
  destroyResourceClients,
} from "../../../dev/local/resources.js";
import { applyStackEnv, startLocalStack, type LocalStack } from "../../../dev/local/stack.js";

/**
 * Starts the stack once for the whole integration run and creates serverless.yml's resources (stage `local`),
 * then exports endpoints and resource names into process.env, which Jest workers inherit.
 */
export async function startIntegrationStack(): Promise<LocalStack> {
  const started = Date.now();
  const stack = await startLocalStack();
  try {
    applyStackEnv(stack);
    const clients = defaultResourceClients();
    try {
      const resources = await createResources(loadServiceDefinition({ stage: "local" }), clients);
      Object.assign(process.env, resources.env);
    } finally {
      destroyResourceClients(clients);
    }
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const where = stack.external
    ? `external stack at ${process.env.AWS_ENDPOINT_URL}`
    : stack.emulators.map((e) => `${e.name} ${e.startMs} ms`).join(", ");
  process.stdout.write(`\nkjp integration stack ready in ${Date.now() - started} ms (${where})\n`);
  return stack;
}
