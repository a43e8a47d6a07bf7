import { z } from "zod";
import type { MessageSchema } from "./types.js";
import { accountId, contactId, email, label, phone, tags, timestamp } from "./primitives.js";

/** v1 as the Rails app first sent it: one free-form `name`. */
export const contactUpsertedV1Schema = z.strictObject({
  contactId,
  accountId,
  email,
  name: label(200),
  phone: phone.optional(),
  tags: tags.optional(),
  updatedAt: timestamp,
});

export type ContactUpsertedV1 = z.infer<typeof contactUpsertedV1Schema>;

export const contactUpsertedV1: MessageSchema<ContactUpsertedV1> = {
  type: "contact.upserted",
  v: 1,
  description: "A contact was created or updated in the CRM (v1: single `name` field).",
  schema: contactUpsertedV1Schema,
  example: {
    contactId: "con_8Kq2mZpL4xVt",
    accountId: "acc_3Fh7Rw9nB2cD",
    email: "ada.lovelace@example.com",
    name: "Ada Lovelace",
    phone: "+442071838750",
    tags: ["vip", "newsletter"],
    updatedAt: "2026-11-24T16:05:12.345Z",
  },
};
