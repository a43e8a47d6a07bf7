/** Longest unverified value kept in the ledger or a log line (characters). */
export const MAX_UNVERIFIED_CHARS = 256;

/** A value nobody vouched for, as text of bounded length: never a number, a key, or a typed attribute. */
export function boundedText(value: unknown, max = MAX_UNVERIFIED_CHARS): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
