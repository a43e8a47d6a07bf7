import { mapWithConcurrency } from "../util/concurrency.js";

/**
 * Runs `step` over every group: groups concurrently (at most `concurrency` at once), records within a group
 * strictly one after another. When a step answers "stop" (a transient failure), the group's later records
 * are not run; `onSkipped` is told about each of them.
 */
export async function runByKey<T>(
  groups: Map<string, T[]>,
  concurrency: number,
  step: (record: T) => Promise<"continue" | "stop">,
  onSkipped: (record: T, after: T) => void,
): Promise<void> {
  await mapWithConcurrency([...groups.values()], concurrency, async (records) => {
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as T;
      if ((await step(record)) === "stop") {
        for (const later of records.slice(i + 1)) onSkipped(later, record);
        return;
      }
    }
  });
}
