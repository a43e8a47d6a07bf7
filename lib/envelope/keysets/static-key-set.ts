import { importTrustedKey } from "./import-key.js";
import type { KeySet, ResolvedKey } from "./key-set.js";
import type { TrustedJwk } from "./jwks.js";

/** A key set fixed at start-up (file, environment variable, literal JSON). Each key is imported on first use, once. */
export function createStaticKeySet(keys: readonly TrustedJwk[]): KeySet {
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  const imported = new Map<string, Promise<ResolvedKey>>();
  const ready = new Map<string, ResolvedKey>();
  return {
    async resolve(kid: string) {
      const trusted = byKid.get(kid);
      if (!trusted) return undefined;
      let key = imported.get(kid);
      if (!key) {
        key = importTrustedKey(trusted);
        imported.set(kid, key);
        // A failed import stays a rejected promise for resolve to report; only a key is ever peeked.
        key.then(
          (resolved) => ready.set(kid, resolved),
          () => undefined,
        );
      }
      return key;
    },
    peek: (kid) => ready.get(kid),
  };
}
