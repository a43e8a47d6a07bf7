import { z } from "zod";
import type { MessageSchema } from "./types.js";
import { accountId, contactId, noteId, text, timestamp, userId } from "./primitives.js";

export const NOTE_BODY_MAX = 10_000;
export const NOTE_MENTIONS_MAX = 50;

export const noteAddedV1Schema = z.strictObject({
  noteId,
  accountId,
  contactId: contactId.optional(),
  authorId: userId,
  body: text(NOTE_BODY_MAX),
  mentions: z
    .array(userId)
    .max(NOTE_MENTIONS_MAX)
    // Each mention may notify someone: a duplicate would notify them twice.
    .refine((a) => new Set(a).size === a.length, { message: "mentions must be unique" }),
  createdAt: timestamp,
  notify: z.boolean(),
});

export type NoteAddedV1 = z.infer<typeof noteAddedV1Schema>;

export const noteAddedV1: MessageSchema<NoteAddedV1> = {
  type: "note.added",
  v: 1,
  description: "A note was added to an account (optionally about one contact), possibly mentioning users.",
  schema: noteAddedV1Schema,
  example: {
    noteId: "note_Q4rT8uV2wX6y",
    accountId: "acc_3Fh7Rw9nB2cD",
    contactId: "con_8Kq2mZpL4xVt",
    authorId: "usr_Jd82hF0aQz11",
    body: "Call went well.\nThey want the annual plan; @Grace to send the proposal by Friday.",
    mentions: ["usr_Gh55kP0mRt22"],
    createdAt: "2026-11-24T10:02:33.120-05:00",
    notify: true,
  },
};
