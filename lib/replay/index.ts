// The public API of replay (kjp replay, handlers/replay.ts); everything else in lib/replay is an implementation detail.
export * from "./types.js";
export {
  runReplay,
  type CandidateReport,
  type ReplayEngineDeps,
  type ReplayOptions,
  type ReplayResult,
} from "./engine.js";
export { matchesFilters, candidateTypes, unverifiedType } from "./filters.js";
export { emptySummary, formatSummaryTable, nothingLeftFailed, summaryRows } from "./summary.js";
export { readRange, assessRange, type RangeRead } from "./range-reader.js";
export { ledgerSource, type LedgerSourceOptions } from "./ledger-source.js";
export {
  onFailureSqsSource,
  sqsCandidate,
  receiveOnFailure,
  type SqsSourceOptions,
} from "./onfailure-sqs-source.js";
export { onFailureS3Source, type S3SourceOptions } from "./onfailure-s3-source.js";
export { cloudWatchSource, parseFailureLine, type CloudWatchSourceOptions } from "./cloudwatch-source.js";
export {
  createReplayEngineDeps,
  engineDepsFromPipelineDeps,
  replayEngineDepsFromEnv,
  replayVerify,
  horizonFromEnv,
  parseHorizon,
  DEFAULT_REPLAY_HORIZON_SEC,
} from "./replay-deps.js";
export { drainOnFailureQueue, backoffSeconds, type DrainDeps, type DrainResult } from "./scheduled-drain.js";
export { createReplayHandler, replayHandlerFromEnv, type ReplayHandler } from "./replay-handler.js";
export { parseTimeBound } from "./time-window.js";
