import { TransientError } from "../../errors/kjp-error.js";
import { importTrustedKey } from "./import-key.js";
import { KEY_SET_UNAVAILABLE, type KeySet, type ResolvedKey } from "./key-set.js";
import { parseJwks, type TrustedJwk } from "./jwks.js";

export interface RefreshOptions {
  /** Gives up on one fetch after this long (the record is retried, not rejected). Default 5 s. */
  fetchTimeoutMs?: number;
  /** How long a fetched key set is trusted before it is fetched again. Default 5 min. */
  cacheTtlMs?: number;
  /** Least time between two fetches triggered by an unknown kid, so junk kids cannot hammer the source. Default 30 s. */
  cooldownMs?: number;
  /**
   * After a failed fetch, no new fetch for this long: every resolve in between answers from the cache, or
   * throws key_set_unavailable at once when there is none, so a dead source costs one request per cooldown,
   * not one per record. Default 10 s.
   */
  failureCooldownMs?: number;
  /**
   * Cached keys older than this (no successful fetch since) are no longer trusted: resolve throws
   * key_set_unavailable until a fetch succeeds, so a key removed at the source (revoked) cannot stay valid for
   * ever behind a source that keeps failing. Default 24 h.
   */
  maxStalenessMs?: number;
  /** Largest key set document accepted, in bytes; HTTP bodies are read no further. Default 256 KiB. */
  maxBytes?: number;
  /** Injected clock for tests. */
  now?: () => number;
}

export const DEFAULT_REFRESH_OPTIONS = {
  fetchTimeoutMs: 5_000,
  cacheTtlMs: 5 * 60_000,
  cooldownMs: 30_000,
  failureCooldownMs: 10_000,
  maxStalenessMs: 24 * 3_600_000,
  maxBytes: 256 * 1024,
} as const satisfies Required<Omit<RefreshOptions, "now">>;

/** Reads the JWKS text from wherever it lives; must honour the abort signal and never read past maxBytes. */
export type JwksFetcher = (signal: AbortSignal, maxBytes: number) => Promise<string>;

/**
 * A key set that lives somewhere remote (HTTPS, SSM, Secrets Manager): fetched lazily, cached for
 * `cacheTtlMs`, fetched again when a token names an unknown kid (a freshly rotated key) at most once per
 * `cooldownMs`. When a refresh fails but an earlier copy exists, the earlier copy keeps serving for up to
 * `maxStalenessMs` since it was fetched: a flaky endpoint must not stop verification of keys we already
 * trust, but a dead one must not keep a revoked key alive. With no usable copy, resolve throws
 * TransientError so the record is retried later; a failed fetch is not repeated within `failureCooldownMs`.
 */
export function createRefreshingKeySet(
  describe: string,
  fetchJwks: JwksFetcher,
  options: RefreshOptions = {},
): KeySet {
  const { fetchTimeoutMs, cacheTtlMs, cooldownMs, failureCooldownMs, maxStalenessMs, maxBytes } = {
    ...DEFAULT_REFRESH_OPTIONS,
    ...definedOnly(options),
  };
  const now = options.now ?? Date.now;

  let current: Map<string, TrustedJwk> | undefined;
  let loadedAt = -Infinity; // last successful fetch
  let attemptedAt = -Infinity; // last fetch, successful or not
  let failure: { at: number; why: string; cause: unknown } | undefined;
  let inFlight: Promise<void> | undefined;
  // Keyed by kid + key material, so an unchanged key survives refetches without a new import.
  const imported = new Map<string, Promise<ResolvedKey>>();
  // The same imports by the fetched JWK they came from, settled ones apart: the per-token path (resolve and
  // peek) neither serialises the JWK again nor waits on a promise.
  const importOf = new WeakMap<TrustedJwk, Promise<ResolvedKey>>();
  const ready = new WeakMap<TrustedJwk, ResolvedKey>();

  function keyFor(trusted: TrustedJwk): Promise<ResolvedKey> {
    let key = importOf.get(trusted);
    if (key) return key;
    const cacheKey = `${trusted.kid}\u0000${JSON.stringify(trusted.jwk)}`;
    key = imported.get(cacheKey);
    if (!key) {
      key = importTrustedKey(trusted);
      imported.set(cacheKey, key);
    }
    importOf.set(trusted, key);
    key.then(
      (resolved) => ready.set(trusted, resolved),
      () => undefined,
    );
    return key;
  }

  async function fetchOnce(): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), fetchTimeoutMs);
    attemptedAt = now();
    try {
      const text = await fetchJwks(controller.signal, maxBytes);
      if (Buffer.byteLength(text, "utf8") > maxBytes)
        throw new Error(`it is above the ${maxBytes}-byte limit`);
      current = new Map(parseJwks(text, describe).map((k) => [k.kid, k]));
      loadedAt = now();
      failure = undefined;
    } catch (cause) {
      const why = controller.signal.aborted
        ? `timed out after ${fetchTimeoutMs} ms`
        : (cause as Error).message;
      failure = { at: now(), why, cause };
    } finally {
      clearTimeout(timer);
    }
  }

  function refresh(): Promise<void> {
    if (failure && now() - failure.at < failureCooldownMs) return Promise.resolve();
    inFlight ??= fetchOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function unavailable(message: string): TransientError {
    return new TransientError(KEY_SET_UNAVAILABLE, message, {
      hint: "check that the key set source is reachable and serves a valid JWKS; the record will be retried",
      cause: failure?.cause,
    });
  }

  return {
    async resolve(kid: string) {
      if (!current || now() - loadedAt >= cacheTtlMs) await refresh();
      let trusted = current?.get(kid);
      if (current && !trusted && now() - attemptedAt >= cooldownMs) {
        await refresh();
        trusted = current?.get(kid);
      }
      if (!current) {
        const retryIn = failure ? Math.max(0, failureCooldownMs - (now() - failure.at)) : 0;
        throw unavailable(
          `key set ${describe} could not be fetched: ${failure?.why ?? "no fetch has succeeded"}` +
            ` (next attempt in ${Math.ceil(retryIn / 1000)} s)`,
        );
      }
      const age = now() - loadedAt;
      if (age > maxStalenessMs) {
        throw unavailable(
          `key set ${describe} was last fetched ${Math.round(age / 1000)} s ago, beyond its maximum staleness of ` +
            `${Math.round(maxStalenessMs / 1000)} s; the last refresh failed: ${failure?.why ?? "unknown"}`,
        );
      }
      if (!trusted) return undefined;
      return keyFor(trusted);
    },
    peek(kid: string) {
      // Only what resolve would answer without fetching or throwing: a fresh set that holds this kid.
      if (!current) return undefined;
      const age = now() - loadedAt;
      if (age >= cacheTtlMs || age > maxStalenessMs) return undefined;
      const trusted = current.get(kid);
      return trusted ? ready.get(trusted) : undefined;
    },
  };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
