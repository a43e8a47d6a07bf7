import type { MarkerSnapshot } from "../ledger/prefetch.js";
import { messageLedgerKey } from "../ledger/ledger-keys.js";
import { peekIdentity } from "../pipeline/peek.js";
import type { VerifyFn } from "../pipeline/types.js";
import { isRedelivery, tokenHash } from "../pipeline/redelivery.js";
import type { ReplayOutcome } from "./types.js";

/**
 * What the pipeline would make of one record, from reads only, following the pipeline's own order:
 * 1. a marker found by the (unverified) iss/jti counts only for the exact bytes it was written for
 *    (isRedelivery, the pipeline's rule): such a redelivery is a duplicate without verification;
 * 2. otherwise the record is verified (a forged copy of a known jti is rejected like any bad token);
 * 3. a verified message whose marker is finished would have its commit cancelled by the marker condition: a
 *    duplicate too (a `failed` marker is overwritten, an `in_progress` one is a live claim: processed later);
 *    so is a rejected record whose identity is signed (its rejection is a marker write under the same rule).
 * `markers` is the ledger as the real run will find it (reopened markers already back to `failed`).
 */
export async function predictOutcome(
  data: Buffer,
  markers: ReadonlyMap<string, MarkerSnapshot>,
  verify: VerifyFn,
): Promise<ReplayOutcome> {
  const peeked = peekIdentity(data);
  if (peeked && isRedelivery(markers.get(messageLedgerKey(peeked.iss, peeked.jti)), tokenHash(data)))
    return { status: "duplicate" };
  let result;
  try {
    result = await verify(data);
  } catch (error) {
    return { status: "failed", code: "verify_failed", detail: String((error as Error)?.message ?? error) };
  }
  if (!result.ok) {
    // A rejection with a signed identity is a conditional marker write, cancelled like a message's commit.
    const identity = result.rejection.identity;
    const marker = identity && markers.get(messageLedgerKey(identity.iss, identity.jti));
    if (marker && (marker.status === "done" || marker.status === "rejected")) return { status: "duplicate" };
    return { status: "rejected", reason: result.rejection.reason, detail: result.rejection.detail };
  }
  const marker = markers.get(messageLedgerKey(result.message.iss, result.message.jti));
  if (marker && marker.status !== "failed" && marker.status !== "in_progress") return { status: "duplicate" };
  return { status: "processed" };
}
