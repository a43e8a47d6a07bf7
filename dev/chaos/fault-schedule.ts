import type { ChaosProfile, FaultKind } from "./profiles.js";
import type { Rng } from "./rng.js";

export interface ScheduledFault {
  kind: FaultKind;
  /** Milliseconds after publishing starts. */
  atMs: number;
  /** How long the fault lasts (down, paused, cut, failing), in ms. */
  durationMs: number;
}

const DURATION_MS: Record<FaultKind, [number, number]> = {
  dynamodb_kill: [500, 3_000],
  // Past the consumer's 20 s DynamoDB call timeout sometimes: both a timed-out call and a late answer happen.
  dynamodb_pause: [5_000, 24_000],
  runner_kill: [200, 2_000],
  kinesis_restart: [500, 2_000],
  // Longer than the gem's 2 s retry deadline: it spills to its journal and resends after.
  producer_outage: [4_000, 9_000],
  // Long enough for the chosen keys to fail 3 invocations in a row and be parked.
  processor_errors: [10_000, 20_000],
};

/** Random moments (seeded) inside the publishing window, 5 % to 90 % of it, in time order. */
export function scheduleFaults(profile: ChaosProfile, rng: Rng): ScheduledFault[] {
  const windowMs = profile.publishSeconds * 1000;
  const faults: ScheduledFault[] = [];
  for (const [kind, count] of Object.entries(profile.faults) as [FaultKind, number][]) {
    for (let i = 0; i < count; i++) {
      const [lo, hi] = DURATION_MS[kind];
      faults.push({
        kind,
        atMs: rng.int(Math.floor(windowMs * 0.05), Math.floor(windowMs * 0.9)),
        durationMs: rng.int(lo, hi),
      });
    }
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}
