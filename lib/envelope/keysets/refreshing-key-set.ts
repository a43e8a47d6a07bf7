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
  /** Injected clock for tests. */
  now?: () => number;
}

/** Reads the JWKS text from wherever it lives; must honour the abort signal. */
export type JwksFetcher = (signal: AbortSignal) => Promise<string>;

/**
 * A key set that lives somewhere remote (HTTPS, SSM, Secrets Manager): fetched lazily, cached for
 * `cacheTtlMs`, fetched again when a token names an unknown kid (a freshly rotated key) at most once per
 * `cooldownMs`. When a refresh fails but an earlier copy exists, the earlier copy keeps serving: a flaky
 * endpoint must not stop verification of keys we already trust. With no copy at all, resolve throws
 * TransientError so the record is retried later.
 */
export function createRefreshingKeySet(
  describe: string,
  fetchJwks: JwksFetcher,
  options: RefreshOptions = {},
): KeySet {
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 5_000;
  const cacheTtlMs = options.cacheTtlMs ?? 5 * 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const now = options.now ?? Date.now;

  let current: Map<string, TrustedJwk> | undefined;
  let fetchedAt = -Infinity;
  let inFlight: Promise<void> | undefined;
  // Keyed by kid + key material, so an unchanged key survives refetches without a new import.
  const imported = new Map<string, Promise<ResolvedKey>>();

  async function fetchOnce(): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), fetchTimeoutMs);
    try {
      const text = await fetchJwks(controller.signal);
      current = new Map(parseJwks(text, describe).map((k) => [k.kid, k]));
    } catch (cause) {
      if (!current) {
        const why = controller.signal.aborted
          ? `timed out after ${fetchTimeoutMs} ms`
          : (cause as Error).message;
        throw new TransientError(KEY_SET_UNAVAILABLE, `key set ${describe} could not be fetched: ${why}`, {
          hint: "check that the key set source is reachable; the record will be retried",
          cause,
        });
      }
    } finally {
      clearTimeout(timer);
      fetchedAt = now();
    }
  }

  function refresh(): Promise<void> {
    inFlight ??= fetchOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    async resolve(kid: string) {
      if (!current || now() - fetchedAt >= cacheTtlMs) await refresh();
      let trusted = current?.get(kid);
      if (!trusted && now() - fetchedAt >= cooldownMs) {
        await refresh();
        trusted = current?.get(kid);
      }
      if (!trusted) return undefined;
      const cacheKey = `${kid}\u0000${JSON.stringify(trusted.jwk)}`;
      let key = imported.get(cacheKey);
      if (!key) {
        key = importTrustedKey(trusted);
        imported.set(cacheKey, key);
      }
      return key;
    },
  };
}
