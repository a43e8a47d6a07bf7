import { canonicalTokenHash } from "../envelope/canonical-token.js";
import type { MarkerSnapshot } from "../ledger/prefetch.js";

/**
 * The hash of a record's exact bytes, kept in a message's ledger marker. A marker is looked up by identity
 * peeked WITHOUT verification, so only this hash (of bytes that were verified when the marker was written)
 * makes the marker say anything about a record.
 */
export const tokenHash = (data: Uint8Array): string => canonicalTokenHash(data);

/**
 * Whether a record is a redelivery of a message that is already finished (applied, or refused for good), so
 * it needs neither verification nor processing. A marker of the same iss/jti over different bytes does not
 * count: those bytes are verified like any other record (a forged copy of a known jti is rejected, a valid
 * one is a duplicate only once its commit finds the marker).
 */
export function isRedelivery(marker: MarkerSnapshot | undefined, hash: string): boolean {
  return (
    marker !== undefined &&
    (marker.status === "done" || marker.status === "rejected") &&
    marker.tokenHash === hash
  );
}
