// The local demo (`npm start`, `kjp demo`) and the dev session (`kjp dev`).
export {
  runDemo,
  DemoInterruptedError,
  DEFAULT_DEMO_MESSAGES,
  type DemoOptions,
  type DemoResult,
} from "./run-demo.js";
export {
  startPipelineSession,
  stackAlreadyRunning,
  type PipelineSession,
  type PipelineSessionOptions,
} from "./pipeline-session.js";
export { planWorkload, workloadCounts, MIN_DEMO_MESSAGES, type DemoPlan, type DemoKind } from "./workload.js";
export { reconcile, type DemoSummary, type SummaryRow } from "./reconcile.js";
export { formatSummary } from "./summary-table.js";
