import { parseJsonWithinDepth } from "../envelope/json-depth.js";

/**
 * Reads `iss` and `jti` from a token WITHOUT verifying it, only to look up its ledger marker before spending
 * a signature verification on it. Nothing is decided from these values alone: a marker found this way
 * counts only if it also records the hash of these exact bytes (which were verified when it was written).
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
    return typeof iss === "string" && typeof jti === "string" && iss && jti ? { iss, jti } : undefined;
  } catch {
    return undefined;
  }
}
