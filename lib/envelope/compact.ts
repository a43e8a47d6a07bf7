import { scanJsonText } from "./json-depth.js";
import { shapeOf } from "./json-members.js";
import { MAX_HEADER_BYTES, MAX_HEADER_DEPTH, MAX_JSON_DEPTH } from "./limits.js";

/** A JWS Compact Serialization split and decoded, before any trust decision. */
export interface DecodedToken {
  /** What the signature covers: the received text up to the last dot, not re-encoded. */
  signingInput: string;
  /** The decoded signature segment (empty for an empty segment). */
  signature: Buffer;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** A `__proto__` member somewhere in the payload: harmless after JSON.parse, dangerous after any naive copy. */
  hasProtoKey: boolean;
}

export type DecodeResult =
  | { ok: true; token: DecodedToken }
  | {
      ok: false;
      /** `header` only for a protected header above the size or depth limit (refused before it is parsed) or
       *  with a duplicate member name. */
      reason: "malformed" | "header";
      detail: string;
      header?: Record<string, unknown>;
      payload?: Record<string, unknown>;
    };

const malformed = (detail: string, header?: Record<string, unknown>, payload?: Record<string, unknown>) =>
  ({
    ok: false,
    reason: "malformed",
    detail,
    ...(header ? { header } : {}),
    ...(payload ? { payload } : {}),
  }) as const;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// fatal: invalid UTF-8 is an error rather than U+FFFD; ignoreBOM keeps a BOM so JSON.parse refuses it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Strict decoding of a compact JWS (RFC 7515 §7.1): exactly three segments of canonical, unpadded base64url,
 * a header and a payload that are JSON objects, and a payload no deeper than MAX_JSON_DEPTH. The size cap is
 * checked before anything else so an oversized record costs nothing; the header's size and depth limits and
 * the payload's depth limit are checked on the bytes before JSON.parse, so no input makes parsing (or any
 * recursive walk of the result) expensive: the cost of a token is linear in its size, whatever it holds.
 */
export function decodeCompact(input: string | Uint8Array, maxBytes: number): DecodeResult {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    return malformed("token is neither a string nor bytes");
  }
  if (input.length > maxBytes) {
    return malformed(`token is ${input.length} bytes, above the ${maxBytes}-byte limit`);
  }
  // latin1 maps each byte to one char: any non-ASCII byte then fails the base64url alphabet check below.
  const compact =
    typeof input === "string"
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("latin1");
  const parts = compact.split(".");
  if (parts.length !== 3) {
    return malformed(
      parts.length === 5
        ? "token has 5 parts: JWE (encrypted) tokens are not accepted, only a 3-part JWS"
        : `token has ${parts.length} part(s), a JWS Compact Serialization has exactly 3`,
    );
  }
  const [h, p, s] = parts as [string, string, string];
  // A producer's tokens share a handful of headers: each spelling seen recently was checked and decoded once,
  // and is taken as it is.
  const known = recentHeaders.get(h);
  // 4 base64url characters carry 3 bytes: a longer segment decodes to more than the limit. Such a header is
  // only checked for its alphabet (its reason comes after the other segments'), never decoded.
  const headerTooBig = !known && h.length > Math.ceil((MAX_HEADER_BYTES * 4) / 3);
  const headerBytes = known ? undefined : headerTooBig ? base64urlProblem(h) : decodeSegment(h);
  if (typeof headerBytes === "string") return malformed(`header segment ${headerBytes}`);
  const payloadBytes = decodeSegment(p);
  if (typeof payloadBytes === "string") return malformed(`payload segment ${payloadBytes}`);
  // An empty signature (alg "none") is left for the header check, which names the real problem.
  const signature = s === "" ? EMPTY : decodeSegment(s);
  if (typeof signature === "string") return malformed(`signature segment ${signature}`);
  // A slice shares the received text: nothing is copied for a token refused before its signature is checked.
  const segments = { signingInput: compact.slice(0, h.length + 1 + p.length), payloadBytes, signature };
  if (known) return decodePayload(segments, known);

  if (headerTooBig) {
    return { ok: false, reason: "header", detail: `header is above the ${MAX_HEADER_BYTES}-byte limit` };
  }
  // One pass over each JSON text checks its depth (before JSON.parse) and counts its member names; one walk
  // over the parsed value counts its members: a difference is a duplicate name.
  const headerNames = scanJsonText(headerBytes!, MAX_HEADER_DEPTH);
  if (headerNames < 0) {
    return { ok: false, reason: "header", detail: `header is nested deeper than ${MAX_HEADER_DEPTH} levels` };
  }
  const header = decodeJsonObject(headerBytes!);
  if (typeof header === "string") return malformed(`header ${header}`);
  if (shapeOf(header, MAX_HEADER_DEPTH).members !== headerNames) {
    return { ok: false, reason: "header", detail: "header has a duplicate member name" };
  }
  remember(h, header);
  return decodePayload(segments, header);
}

const EMPTY = Buffer.alloc(0);

interface Segments {
  signingInput: string;
  payloadBytes: Buffer;
  signature: Buffer;
}

// Decoded headers by their base64url text. Only flat ones (every member a string, number, boolean or null,
// as every contract header is) are kept, frozen, so sharing one object between tokens cannot leak a change.
// Bounded: a stream of distinct headers only empties it now and then.
const RECENT_HEADERS_MAX = 32;
const RECENT_HEADER_CHARS_MAX = 512;
const recentHeaders = new Map<string, Record<string, unknown>>();

function remember(segment: string, header: Record<string, unknown>): void {
  if (segment.length > RECENT_HEADER_CHARS_MAX) return;
  for (const value of Object.values(header)) if (typeof value === "object" && value !== null) return;
  if (recentHeaders.size >= RECENT_HEADERS_MAX) recentHeaders.clear();
  recentHeaders.set(segment, Object.freeze(header));
}

function decodePayload(segments: Segments, header: Record<string, unknown>): DecodeResult {
  const { signingInput, payloadBytes, signature } = segments;
  const payloadNames = scanJsonText(payloadBytes, MAX_JSON_DEPTH);
  if (payloadNames < 0) {
    return malformed(`payload is nested deeper than ${MAX_JSON_DEPTH} levels`, header);
  }
  const payload = decodeJsonObject(payloadBytes);
  if (typeof payload === "string") return malformed(`payload ${payload}`, header);
  const shape = shapeOf(payload, MAX_JSON_DEPTH);
  if (shape.members !== payloadNames) return malformed("payload has a duplicate member name", header);
  if (shape.tooDeep)
    return malformed(`payload is nested deeper than ${MAX_JSON_DEPTH} levels`, header, payload);
  return {
    ok: true,
    token: { signingInput, signature, header, payload, hasProtoKey: shape.hasProtoKey },
  };
}

/**
 * The bytes of a segment that is canonical unpadded base64url, else what is wrong with it. Node's decoder is
 * lenient (it skips or reinterprets what is not base64url), but re-encoding gives the one canonical spelling
 * of the bytes: a segment equal to it has only alphabet characters, no padding and zero trailing bits. That
 * costs less than testing the alphabet first; only a segment that fails is examined to say why.
 */
function decodeSegment(segment: string): Buffer | string {
  if (segment.length === 0) return "is empty";
  const bytes = Buffer.from(segment, "base64url");
  if (bytes.toString("base64url") === segment) return bytes;
  return base64urlProblem(segment) ?? "is not canonical base64url";
}

function base64urlProblem(segment: string): string | undefined {
  if (segment.length === 0) return "is empty";
  if (!BASE64URL.test(segment)) {
    return "is not base64url (only A-Z a-z 0-9 - _ without padding or whitespace are allowed)";
  }
  if (segment.length % 4 === 1) return "has an impossible base64url length";
  // Non-zero trailing bits decode to the same bytes as another spelling: refuse, so one token has one spelling.
  const rest = segment.length % 4;
  if (rest !== 0) {
    const unusedBits = BASE64URL_ALPHABET.indexOf(segment[segment.length - 1]!) & (rest === 2 ? 0x0f : 0x03);
    if (unusedBits !== 0) return "is not canonical base64url";
  }
  return undefined;
}

function decodeJsonObject(bytes: Uint8Array): Record<string, unknown> | string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return "is not valid UTF-8";
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "is not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "is not a JSON object";
  return value as Record<string, unknown>;
}

/** Path (e.g. `contact.tags[2]`) of the first `__proto__` member inside `data`, if any. */
export function findProtoKeyPath(data: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[data, ""]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
      continue;
    }
    for (const key of Object.keys(value)) {
      const child = `${path}${path ? "." : ""}${key}`;
      if (key === "__proto__") return child;
      stack.push([(value as Record<string, unknown>)[key], child]);
    }
  }
  return undefined;
}
