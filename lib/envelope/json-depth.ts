import { MAX_JSON_DEPTH } from "./limits.js";

/**
 * Deepest nesting of objects and arrays in JSON text, found by one linear pass over its bytes, without
 * parsing: hostile text nested hundreds of thousands deep must be refused before JSON.parse (and anything
 * that walks its result recursively) pays for it. Brackets inside strings do not count; the text need not be
 * valid JSON (the parser judges that afterwards). Stops as soon as `limit` is exceeded.
 */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  return scanJsonText(bytes, limit) < 0;
}

/**
 * The one pass behind jsonDepthExceeds and the duplicate-member check (json-members.ts), so a token's text is
 * read once for both: the number of member names (a string followed by `:`), or -1 as soon as the nesting
 * passes `limit` (Infinity: count only).
 */
export function scanJsonText(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let names = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0x22 /* " */) {
      // To the closing quote; the escaped byte never ends the string.
      for (i++; i < n; i++) {
        const c = bytes[i]!;
        if (c === 0x22) break;
        if (c === 0x5c /* \ */) i++;
      }
      let j = i + 1;
      while (j < n && isJsonSpace(bytes[j]!)) j++;
      if (bytes[j] === 0x3a /* : */) names++;
    } else if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
      if (++depth > limit) return -1;
    } else if (b === 0x7d /* } */ || b === 0x5d /* ] */) depth--;
  }
  return names;
}

const isJsonSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * JSON.parse for untrusted text read before verification (e.g. peeking at a token's claims): refuses text
 * nested deeper than `maxDepth` (default the payload limit) by throwing a SyntaxError before parsing it.
 */
export function parseJsonWithinDepth(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(Buffer.from(text, "utf8"), maxDepth)) {
    throw new SyntaxError(`JSON nested deeper than ${maxDepth} levels`);
  }
  return JSON.parse(text);
}
