/**
 * Personal fields in a message's payload, masked before the console sends it to a browser unless the
 * operator asks to reveal them. Matched by field name, at any depth: a schema that adds `billingEmail` or
 * `mobilePhone` is covered without a change here.
 */
const PERSONAL = /(e-?mail|phone|mobile|name|address|street|postcode|zip|birth|ssn|iban|passport|ip_?addr)/i;

export const MASK = "•••";

export function isPersonalField(name: string): boolean {
  return PERSONAL.test(name);
}

/** A copy of `value` with every personal field's value replaced by MASK (structure and other fields kept). */
export function maskPersonal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskPersonal);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      isPersonalField(k) && v !== null && typeof v !== "object" ? MASK : maskPersonal(v),
    ]),
  );
}
