import { MAX_JSON_DEPTH } from "./limits.js";

/**
 * Deepest nesting of objects and arrays in JSON text, found by one linear pass over its bytes, without
 * parsing: hostile text nested hundreds of thousands deep must be refused before JSON.parse (and anything
 * that walks its result recursively) pays for it. Brackets inside strings do not count; the text need not be
 * valid JSON (the parser judges that afterwards). Stops as soon as `limit` is exceeded.
 */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c /* \ */)
        i++; // the escaped byte never ends the string
      else if (b === 0x22 /* " */) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (b === 0x7d /* } */ || b === 0x5d /* ] */) depth--;
  }
  return false;
}

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
