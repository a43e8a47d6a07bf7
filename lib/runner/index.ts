export {
  EventSourceMappingRunner,
  type OnFailureOverride,
  type RunnerEvents,
  type RunnerOptions,
  type RunnerStats,
} from "./runner.js";
export {
  readStreamEventSettings,
  streamEventSettingsFrom,
  AWS_DEFAULTS,
  type StreamEventSettings,
  type OnFailureTarget,
} from "./settings.js";
export type { StreamHandler } from "./invoker.js";
export type { OnFailureRecord } from "./on-failure.js";
export { DEFAULT_STATE_DIR, checkpointPath } from "./checkpoint-store.js";
