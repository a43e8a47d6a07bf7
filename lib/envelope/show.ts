/**
 * An untrusted value quoted into a rejection detail. Details end up in logs and the ledger, so a hostile
 * token must not be able to put a megabyte of text (or a deep structure) there.
 */
export function show(value: unknown, max = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
