import { ConfigurationError } from "../errors/kjp-error.js";

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time for --since/--until: ISO-8601 (`2026-11-25T02:00:00Z`), or an age such as `90m`, `6h`,
 * `2d` (that long before `nowMs`), which is what an on-call engineer types. Returns ISO-8601 (UTC).
 */
export function parseTimeBound(text: string, option: string, nowMs: number = Date.now()): string {
  const trimmed = text.trim();
  const age = /^(\d+)([smhdw])$/.exec(trimmed);
  if (age) return new Date(nowMs - Number(age[1]) * UNITS[age[2]!]!).toISOString();
  const at = Date.parse(trimmed);
  if (!/^\d{4}-\d\d-\d\d/.test(trimmed) || Number.isNaN(at)) {
    throw new ConfigurationError(
      `${option} "${text}" is neither an ISO-8601 time nor an age`,
      "use e.g. 2026-11-25T02:00:00Z, or 90m, 6h, 2d (that long ago)",
    );
  }
  return new Date(at).toISOString();
}
