/**
 * Duplicate member names in JSON text. JSON.parse keeps the last of two equal names silently, and other
 * parsers keep the first: a header `{"alg":"none",…,"alg":"ES256"}` could then mean one thing to the signer's
 * tooling and another to us. RFC 7515 §4 lets a JWS parser either reject duplicates or take the last; the
 * contract rejects them, so every implementation reads a token the same way.
 *
 * For text JSON.parse has already accepted, a duplicate exists exactly when the text holds more member names
 * than the parsed value has members. Names are counted in one linear pass (a string followed by `:` is a
 * name), members with an iterative walk: no recursion, cost linear in the size, whatever the input.
 */
export function hasDuplicateMembers(text: Uint8Array, parsed: unknown): boolean {
  return countMemberNames(text) !== countMembers(parsed);
}

function countMemberNames(bytes: Uint8Array): number {
  let names = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x22 /* " */) continue;
    // Skip to the closing quote; an escaped byte never ends the string.
    for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c /* \ */) i++;
    let j = i + 1;
    while (j < bytes.length && isJsonSpace(bytes[j]!)) j++;
    if (bytes[j] === 0x3a /* : */) names++;
  }
  return names;
}

const isJsonSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

function countMembers(root: unknown): number {
  let members = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== "object" || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    const keys = Object.keys(value);
    members += keys.length;
    for (const key of keys) stack.push((value as Record<string, unknown>)[key]);
  }
  return members;
}
