import { createHash } from "node:crypto";
import { jsonDepthExceeds } from "./json-depth.js";
import { MAX_HEADER_BYTES, MAX_HEADER_DEPTH } from "./limits.js";

// Order of the P-256 group. ECDSA verifies (r, s) and (r, n − s) alike, so every ES256 token has a twin.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = P256_N >> 1n;

/**
 * The one spelling of a token that both ECDSA spellings share: an ES256 token whose signature has a high
 * `s` (above n/2) gets `n − s` instead; everything else (EdDSA, whose signatures are not malleable; HS256;
 * anything that is not a well-formed ES256 token) is returned unchanged. Both spellings verify, so this
 * never makes an invalid token look valid: it only lets "the same token" mean the same thing for both.
 * High-S signatures are not refused, since many signers emit them.
 */
export function canonicalToken(token: string | Uint8Array): string {
  const compact = typeof token === "string" ? token : Buffer.from(token).toString("latin1");
  const first = compact.indexOf(".");
  const last = compact.lastIndexOf(".");
  if (first <= 0 || last === first || compact.indexOf(".", first + 1) !== last) return compact;
  const signature = compact.slice(last + 1);
  if (signature.length !== 86 || !isEs256Header(compact.slice(0, first))) return compact;
  const bytes = Buffer.from(signature, "base64url");
  // A non-canonical spelling of the bytes is refused as malformed anyway: leave it as it came.
  if (bytes.length !== 64 || bytes.toString("base64url") !== signature) return compact;
  const s = BigInt(`0x${bytes.subarray(32).toString("hex")}`);
  if (s <= HALF_N || s >= P256_N) return compact;
  Buffer.from((P256_N - s).toString(16).padStart(64, "0"), "hex").copy(bytes, 32);
  return `${compact.slice(0, last + 1)}${bytes.toString("base64url")}`;
}

/**
 * SHA-256 (base64url, first 32 characters) of the canonical token: what the ledger keeps to recognise a
 * token it has already seen. The same as the hash of the raw bytes for every token already canonical (all
 * EdDSA tokens, low-S ES256 tokens), so markers written before this existed still match.
 */
export function canonicalTokenHash(token: string | Uint8Array): string {
  return createHash("sha256").update(canonicalToken(token), "latin1").digest("base64url").slice(0, 32);
}

function isEs256Header(segment: string): boolean {
  if (segment.length > Math.ceil((MAX_HEADER_BYTES * 4) / 3)) return false;
  const bytes = Buffer.from(segment, "base64url");
  if (jsonDepthExceeds(bytes, MAX_HEADER_DEPTH)) return false;
  try {
    const header: unknown = JSON.parse(bytes.toString("utf8"));
    return typeof header === "object" && header !== null && (header as { alg?: unknown }).alg === "ES256";
  } catch {
    return false;
  }
}
