import { randomUUID } from "node:crypto";
import type { ReplayEngineDeps } from "../../lib/replay/engine.js";
import { runReplay } from "../../lib/replay/engine.js";
import type {
  ReplayCandidate,
  ReplayFilters,
  ReplayProgress,
  ReplaySummary,
} from "../../lib/replay/types.js";
import { KjpError } from "../../lib/errors/kjp-error.js";

/** One replay started from the console, as the page polls it. */
export interface ReplayJob {
  id: string;
  dryRun: boolean;
  state: "running" | "done" | "error";
  startedAt: string;
  finishedAt?: string;
  progress: ReplayProgress;
  summary?: ReplaySummary;
  /** What became of each candidate (at most MAX_ROWS). */
  candidates?: Array<{ id: string; type?: string; reason?: string; state: string; outcomes: string[] }>;
  error?: { message: string; hint?: string };
}

const MAX_ROWS = 500;
const KEEP_JOBS = 20;

/**
 * Runs replays through the same engine as `kjp replay` (lib/replay/engine.ts) in the background and keeps
 * their progress for the page to poll. At most one real (writing) replay runs at a time; dry runs write
 * nothing, so they may overlap.
 */
export class ReplayJobs {
  private readonly jobs = new Map<string, ReplayJob>();

  get(id: string): ReplayJob | undefined {
    return this.jobs.get(id);
  }

  writing(): boolean {
    return [...this.jobs.values()].some((j) => j.state === "running" && !j.dryRun);
  }

  start(
    source: AsyncIterable<ReplayCandidate>,
    engine: ReplayEngineDeps,
    options: { filters: ReplayFilters; dryRun: boolean; done?: () => void },
  ): ReplayJob {
    const job: ReplayJob = {
      id: randomUUID(),
      dryRun: options.dryRun,
      state: "running",
      startedAt: new Date().toISOString(),
      progress: { phase: "collect", done: 0, total: 0 },
    };
    this.jobs.set(job.id, job);
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEEP_JOBS)))
      this.jobs.delete(old);
    void runReplay(source, engine, {
      filters: options.filters,
      dryRun: options.dryRun,
      onProgress: (p) => (job.progress = p),
    })
      .then((result) => {
        job.summary = result.summary;
        job.candidates = result.candidates.slice(0, MAX_ROWS).map((c) => ({
          id: c.candidate.id,
          ...(c.candidate.type ? { type: c.candidate.type } : {}),
          ...(c.candidate.reason ? { reason: c.candidate.reason } : {}),
          state: c.state,
          outcomes: c.outcomes.map((o) =>
            o.status === "rejected"
              ? `rejected:${o.reason}`
              : o.status === "failed"
                ? `failed:${o.code}`
                : o.status,
          ),
        }));
        job.state = "done";
      })
      .catch((error: unknown) => {
        job.state = "error";
        job.error =
          error instanceof KjpError
            ? { message: error.message, ...(error.hint ? { hint: error.hint } : {}) }
            : { message: error instanceof Error ? error.message : String(error) };
      })
      .finally(() => {
        job.finishedAt = new Date().toISOString();
        options.done?.();
      });
    return job;
  }
}
