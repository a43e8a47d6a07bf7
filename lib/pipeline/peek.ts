import { ISSUER_NAME_PATTERN } from "../envelope/issuer-name.js";
import { parseJsonWithinDepth } from "../envelope/json-depth.js";
import { MAX_JTI_LENGTH } from "../envelope/limits.js";

/**
 * Reads `iss` and `jti` from a token WITHOUT verifying it, only to look up its ledger marker before spending
 * a signature verification on it. Nothing is decided from these values alone: a marker found this way
 * counts only if it also records the hash of these exact bytes (which were verified when it was written).
 * Only an identity the verifier could ever accept is returned (an issuer name as configuration allows one, a
 * jti within the contract's length): anything else cannot have a marker, and must not become a key to look up.
 */
export function peekIdentity(data: Buffer): { iss: string; jti: string } | undefined {
  if (data.length > 1_100_000) return undefined;
  const text = data.toString("latin1");
  const first = text.indexOf(".");
  const second = first < 0 ? -1 : text.indexOf(".", first + 1);
  if (second < 0) return undefined;
  try {
    const claims: unknown = parseJsonWithinDepth(
      Buffer.from(text.slice(first + 1, second), "base64url").toString("utf8"),
    );
    if (typeof claims !== "object" || claims === null) return undefined;
    const { iss, jti } = claims as { iss?: unknown; jti?: unknown };
    return typeof iss === "string" &&
      typeof jti === "string" &&
      ISSUER_NAME_PATTERN.test(iss) &&
      jti.length > 0 &&
      jti.length <= MAX_JTI_LENGTH
      ? { iss, jti }
      : undefined;
  } catch {
    return undefined;
  }
}
