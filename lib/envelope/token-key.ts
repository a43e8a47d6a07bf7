import { ConfigurationError } from "../errors/kjp-error.js";
import { checkIssuerName } from "./issuer-name.js";
import type { KeySet, ResolvedKey } from "./keysets/key-set.js";
import { show } from "./show.js";
import type { Algorithm } from "./types.js";

export interface TrustedIssuer {
  issuer: string;
  keySet: KeySet;
}

/** The trusted issuers' key sets by issuer name, each name checked once, when a verifier is made. */
export function keySetsByIssuer(issuers: TrustedIssuer[], what: string): ReadonlyMap<string, KeySet> {
  if (!Array.isArray(issuers) || issuers.length === 0) {
    throw new ConfigurationError(`${what} needs at least one trusted issuer`);
  }
  const keySets = new Map<string, KeySet>();
  for (const { issuer, keySet } of issuers) {
    checkIssuerName(issuer, `${what}'s trusted issuers`);
    if (keySets.has(issuer)) throw new ConfigurationError(`issuer "${issuer}" is configured twice`);
    keySets.set(issuer, keySet);
  }
  return keySets;
}

export type KeyChoice =
  | { ok: true; iss: string; key: ResolvedKey }
  | { ok: false; reason: "claims" | "unknown_key"; detail: string };

/**
 * The key a token's signature must verify with, chosen by us, never by the token: the issuer's key set by the
 * (still unverified) `iss`, which the claim checks compare again after the signature; in it the key of the
 * header's `kid`, which must be bound to the header's `alg`. Queue messages and access tokens choose alike.
 *
 * A key already in memory is answered without a promise (`KeySet.peek`), the per-token path; only a key that
 * may have to be fetched returns one. Throws TransientError when the key set cannot be fetched right now.
 */
export function chooseKey(
  keySets: ReadonlyMap<string, KeySet>,
  iss: unknown,
  kid: string,
  alg: Algorithm,
): KeyChoice | Promise<KeyChoice> {
  const keySet = typeof iss === "string" ? keySets.get(iss) : undefined;
  if (!keySet) {
    const detail = iss === undefined ? "iss is missing" : `iss ${show(iss)} is not a trusted issuer`;
    return { ok: false, reason: "claims", detail };
  }
  const known = keySet.peek?.(kid);
  if (known) return bound(known, iss as string, kid, alg);
  return keySet.resolve(kid).then((key) => bound(key, iss as string, kid, alg));
}

function bound(key: ResolvedKey | undefined, iss: string, kid: string, alg: Algorithm): KeyChoice {
  if (!key)
    return { ok: false, reason: "unknown_key", detail: `issuer "${iss}" has no key with kid "${kid}"` };
  if (key.alg !== alg) {
    return {
      ok: false,
      reason: "unknown_key",
      detail: `key "${kid}" of issuer "${iss}" is for ${key.alg}, the token says ${alg}`,
    };
  }
  return { ok: true, iss, key };
}
