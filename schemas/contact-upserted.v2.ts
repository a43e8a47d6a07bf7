import { z } from "zod";
import type { MessageSchema } from "./types.js";
import type { ContactUpsertedV1 } from "./contact-upserted.v1.js";
import { accountId, contactId, email, label, phone, tags, timestamp } from "./primitives.js";

/**
 * v2 splits `name` into `givenName` / `familyName` (null for mononyms) because the CRM sorts and greets by
 * them, and makes `tags` always present so processors need no fallback.
 */
export const contactUpsertedV2Schema = z.strictObject({
  contactId,
  accountId,
  email,
  givenName: label(200),
  familyName: label(200).nullable(),
  phone: phone.optional(),
  tags,
  updatedAt: timestamp,
});

export type ContactUpsertedV2 = z.infer<typeof contactUpsertedV2Schema>;

/**
 * The split Rails' own `name.split(" ", 2)` would make: the first word is the given name, the rest (one
 * or more words, e.g. "van Rossum") the family name. Runs only on data that already passed the v1 schema.
 */
export function upcastContactV1ToV2(previous: Record<string, unknown>): ContactUpsertedV2 {
  const v1 = previous as ContactUpsertedV1;
  const [given, ...rest] = v1.name.split(/\s+/);
  const family = rest.join(" ");
  const out: ContactUpsertedV2 = {
    contactId: v1.contactId,
    accountId: v1.accountId,
    email: v1.email,
    givenName: given ?? v1.name,
    familyName: family.length > 0 ? family : null,
    tags: v1.tags ?? [],
    updatedAt: v1.updatedAt,
  };
  if (v1.phone !== undefined) out.phone = v1.phone;
  return out;
}

export const contactUpsertedV2: MessageSchema<ContactUpsertedV2> = {
  type: "contact.upserted",
  v: 2,
  description:
    "A contact was created or updated in the CRM (v2: `givenName`/`familyName`, `tags` always present).",
  schema: contactUpsertedV2Schema,
  upcastFrom: upcastContactV1ToV2,
  example: {
    contactId: "con_8Kq2mZpL4xVt",
    accountId: "acc_3Fh7Rw9nB2cD",
    email: "guido@example.org",
    givenName: "Guido",
    familyName: "van Rossum",
    tags: [],
    updatedAt: "2026-11-24T17:45:00+01:00",
  },
};
