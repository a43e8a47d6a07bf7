import type { StreamEventSettings } from "../service-definition/stream-event.js";

/**
 * What Lambda puts in a function's environment and the consumer reads for itself: its memory size, from which
 * the verifier decides whether to check signatures inline or on libuv's pool (lib/config/signature-threads.ts).
 * Given to the in-process function so it makes the choice the deployed one makes, not one by this machine's
 * cores.
 */
export function lambdaRuntimeEnv(
  settings: Pick<StreamEventSettings, "memorySizeMb">,
): Record<string, string> {
  return { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memorySizeMb) };
}
