import { z } from "zod";

/**
 * Building blocks shared by the message schemas. Every field a producer can send is bounded: the consumer
 * validates untrusted input, and unbounded strings or arrays are how a hostile or buggy record turns into a
 * slow or oversized ledger item.
 */

/** Stripe-style prefixed ids (`acc_…`): the prefix makes a contact id passed where an account id belongs fail. */
export function prefixedId(prefix: string) {
  return z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9]{8,40}$`), {
    message: `expected an id like ${prefix}_0123ABCD (8 to 40 letters or digits after the prefix)`,
  });
}

export const accountId = prefixedId("acc");
export const contactId = prefixedId("con");
export const dealId = prefixedId("deal");
export const noteId = prefixedId("note");
export const userId = prefixedId("usr");

/** Control characters have no place in names and labels; they break logs and CSV exports downstream. */
function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

/** A single-line label: no leading/trailing whitespace (Rails sends `strip`ped values), no control characters. */
export function label(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(/^\S(?:[^\n\r\t]*\S)?$/, { message: "must be one line without leading or trailing whitespace" })
    .refine((s) => !hasControlChars(s), { message: "must not contain control characters" });
}

/** Multi-line free text (note bodies): newlines and tabs allowed, other control characters not. */
export function text(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => s.trim().length > 0, { message: "must not be blank" })
    .refine((s) => !hasControlChars(s), { message: "must not contain control characters" });
}

/** Email, bounded by RFC 5321's 254-character path limit. */
export const email = z.email().max(254);

/** ISO-8601 with an explicit offset (`Z` or `+02:00`): a timestamp without one is ambiguous across services. */
export const timestamp = z.iso.datetime({ offset: true });

/** E.164 phone number. */
export const phone = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, { message: "expected an E.164 phone number like +14155550123" });

/** ISO 4217 codes the CRM bills in. A short allow-list beats "three upper-case letters": XXX and typos fail. */
export const CURRENCIES = ["USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK"] as const;
export const currency = z.enum(CURRENCIES);

/** Money in integer minor units (cents): floats lose cents; beyond 2^53 JSON numbers lose digits. */
export const amountMinor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Free-form tags on a contact. */
export const tags = z
  .array(label(40))
  .max(20)
  .refine((a) => new Set(a).size === a.length, { message: "tags must be unique" });
