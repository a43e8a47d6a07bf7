export interface BackoffPolicy {
  /** Upper bound of the first retry's delay. */
  baseMs: number;
  /** No single delay exceeds this. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 5_000 };

/**
 * "Full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"): a uniform
 * delay in [0, min(cap, base·2^(attempt-1))]. Spreading retries over the whole window is what stops many
 * producers throttled by the same shard from retrying in lock-step. `attempt` counts from 1.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/** The delay for this attempt, or undefined when waiting that long would pass the entry's deadline. */
export function retryDelayWithin(
  attempt: number,
  now: number,
  deadline: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number | undefined {
  const delay = backoffDelayMs(attempt, policy, random);
  return now + delay <= deadline ? delay : undefined;
}
