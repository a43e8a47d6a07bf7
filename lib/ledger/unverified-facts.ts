import { boundedText } from "./bounded-text.js";
import type { MessageFacts } from "./ledger-items.js";

/**
 * What a rejection keeps of the claims it could read. `identity` is the signed iss/jti of a token whose
 * signature verified with its issuer's key (kept as they are: they are the key's parts, already bounded by
 * the contract); everything else was read from a token that was refused, so it is kept as bounded text: a
 * `v` of 1e300 is the string "1e+300", never a DynamoDB number it cannot store. `claimsVerified: false`
 * marks a rejection whose identity is not verified either (keyed by stream position).
 */
export function rejectionFacts(
  claims: { iss?: unknown; jti?: unknown; type?: unknown; v?: unknown; sub?: unknown },
  identity: { iss: string; jti: string } | undefined,
): MessageFacts {
  const facts: MessageFacts = identity ? { iss: identity.iss, jti: identity.jti } : { claimsVerified: false };
  if (!identity && claims.iss !== undefined) facts.iss = boundedText(claims.iss);
  if (!identity && claims.jti !== undefined) facts.jti = boundedText(claims.jti);
  if (claims.type !== undefined) facts.type = boundedText(claims.type);
  if (claims.v !== undefined) facts.v = boundedText(claims.v);
  if (claims.sub !== undefined) facts.sub = boundedText(claims.sub);
  return facts;
}
