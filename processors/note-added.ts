import type { VerifiedMessage } from "../lib/envelope/types.js";
import type { NoteAddedV1 } from "../schemas/note-added.v1.js";
import { apply, type Notification, type ProcessorResult } from "../lib/effects/processor.js";

const EXCERPT_CHARS = 280;

/**
 * note.added → an activity item on the account, and when `notify` is set and users are mentioned, a
 * notification to them (sent by the pipeline after it has claimed the message). A note id seen before keeps
 * its first version: the Put is conditional and a failed condition is a no-op.
 */
export function processNoteAdded(message: VerifiedMessage): ProcessorResult {
  const data = message.data as unknown as NoteAddedV1;
  const effects = [
    {
      op: "put" as const,
      key: { pk: `account#${data.accountId}`, sk: `note#${data.noteId}` },
      attributes: {
        entity: "note",
        noteId: data.noteId,
        accountId: data.accountId,
        ...(data.contactId === undefined ? {} : { contactId: data.contactId }),
        authorId: data.authorId,
        body: data.body,
        mentions: data.mentions,
        createdAt: data.createdAt,
        sourceJti: message.jti,
      },
      condition: { expression: "attribute_not_exists(pk)", onFailed: "skip" as const },
    },
  ];
  if (!data.notify || data.mentions.length === 0) return apply(effects);
  const body = data.body.length > EXCERPT_CHARS ? `${data.body.slice(0, EXCERPT_CHARS - 1)}…` : data.body;
  const notification: Notification = {
    idempotencyKey: `${message.iss}#${message.jti}`,
    recipients: [...data.mentions],
    subject: `${data.authorId} mentioned you in a note`,
    body,
  };
  return apply(effects, notification);
}
