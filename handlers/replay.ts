import type { ReplayHandler } from "../lib/replay/replay-handler.js";
import { replayHandlerFromEnv } from "./wiring/replay.js";

/**
 * The scheduled replay Lambda (EventBridge, serverless.yml): drains the on-failure queue through the
 * consumer's pipeline with backoff, parks what it cannot replay in the DLQ. Configuration is checked at cold
 * start (handlers/wiring/replay.ts); everything else lives in lib/replay/replay-handler.ts and scheduled-drain.ts.
 */
export const handler: ReplayHandler = replayHandlerFromEnv(process.env);
