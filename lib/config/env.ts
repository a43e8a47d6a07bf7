import { ConfigurationError } from "../errors/kjp-error.js";

/**
 * The one reader of settings from the environment (Lambda handlers, the CLI, the local stack, benchmarks).
 * Every problem is a ConfigurationError that names the setting, raised at cold start before any record is
 * touched. A setting that is set to blanks counts as not set.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export function optionalSetting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function requiredSetting(env: Env, name: string, hint: string): string {
  const value = optionalSetting(env, name);
  if (value === undefined) throw new ConfigurationError(`${name} is not set`, hint);
  return value;
}

/**
 * A whole number within [min, max]; `fallback` when not set. `unit` names what it counts, for the error
 * ("a whole number of seconds").
 */
export function wholeNumberSetting<T extends number | undefined>(
  env: Env,
  name: string,
  fallback: T,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  unit?: string,
): number | T {
  const raw = optionalSetting(env, name);
  if (raw === undefined) return fallback;
  const range =
    max !== Number.MAX_SAFE_INTEGER ? `between ${min} and ${max}` : min === 1 ? "above 0" : `at least ${min}`;
  // 15 digits: every such number is exact in a double.
  if (!/^\d{1,15}$/.test(raw))
    throw new ConfigurationError(
      `${name} must be a whole number${unit ? ` of ${unit}` : ""}, got "${raw}"`,
      `use a whole number ${range}`,
    );
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigurationError(`${name} must be ${range}, got ${value}`);
  return value;
}

/** "true" or "false"; `fallback` when not set. */
export function flagSetting<T extends boolean | undefined>(env: Env, name: string, fallback: T): boolean | T {
  const raw = optionalSetting(env, name);
  if (raw === undefined) return fallback;
  if (raw !== "true" && raw !== "false")
    throw new ConfigurationError(`${name} must be "true" or "false", got "${raw}"`);
  return raw === "true";
}

/** A duration in seconds ("7d", "36h", "90m", "45s" or whole seconds); `fallback` when not set. */
export function durationSetting(env: Env, name: string, fallback: number, min = 0): number {
  const raw = optionalSetting(env, name);
  return raw === undefined ? fallback : parseDuration(raw, name, min);
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * "7d", "36h", "90m", "45s" or a plain number of seconds, at least `min` seconds. `name` is the setting or
 * option that carried the text, for the error.
 */
export function parseDuration(text: string, name: string, min = 1): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] || "s"]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < min)
    throw new ConfigurationError(
      `${name} "${text}" is not a duration`,
      "use e.g. 7d, 36h, 90m, 45s or seconds",
    );
  return seconds;
}
