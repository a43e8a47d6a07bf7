import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Processor, ProcessorRegistry } from "../../lib/effects/processor.js";
import type { SequencedData } from "./sequenced-message.js";

/**
 * Transient processor errors for the chaos run, in its consumer wiring only: every attempt fails with a small
 * probability, and during a "sticky" window every message of chosen keys fails, so those keys are parked and the
 * runbook's `replay --from parked` has something to drain. The orchestrator sets the window through a file the
 * consumer process reads (it runs in another process that the run SIGKILLs).
 */
export interface StickyFaults {
  keys: string[];
  untilMs: number;
}

export function writeStickyFaults(path: string, faults: StickyFaults): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(faults));
  renameSync(`${path}.tmp`, path);
}

export class TransientProcessorError extends Error {
  override readonly name = "TransientProcessorError";
}

export function withInjectedErrors(
  processors: ProcessorRegistry,
  options: { errorRate: number; stickyFile: string; random?: () => number; now?: () => number },
): ProcessorRegistry {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  let cached: { readAt: number; faults: StickyFaults } = { readAt: 0, faults: { keys: [], untilMs: 0 } };
  const sticky = (): StickyFaults => {
    if (now() - cached.readAt < 250) return cached.faults;
    let faults: StickyFaults = { keys: [], untilMs: 0 };
    try {
      faults = JSON.parse(readFileSync(options.stickyFile, "utf8")) as StickyFaults;
    } catch {
      /* no window set */
    }
    cached = { readAt: now(), faults };
    return faults;
  };
  const wrapped = new Map<string, Processor>();
  for (const [type, processor] of processors) {
    wrapped.set(type, (message) => {
      const key = (message.data as Partial<SequencedData>).key;
      const s = sticky();
      if (key !== undefined && now() < s.untilMs && s.keys.includes(key))
        throw new TransientProcessorError(
          `chaos: key ${key} is failing until ${new Date(s.untilMs).toISOString()}`,
        );
      if (random() < options.errorRate) throw new TransientProcessorError("chaos: injected transient error");
      return processor(message);
    });
  }
  return wrapped;
}
