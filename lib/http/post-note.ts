import type { PayloadValidator } from "../envelope/types.js";
import type { Acknowledgement, PublishRequest } from "../producer/types.js";
import type { Route } from "./guard.js";
import { json, refuse } from "./responses.js";

export const NOTES_WRITE = "notes:write";
/** A note body is at most 10 000 characters; the whole request is far below this. */
export const MAX_NOTE_REQUEST_BYTES = 64 * 1024;

export interface PostNoteDeps {
  /** The schema registry: the same Zod schema the consumer validates note.added v1 with. */
  validator: PayloadValidator;
  /** Signs and puts the message on the stream; resolves once Kinesis accepted it. */
  publish(request: PublishRequest): Promise<Acknowledgement>;
}

/**
 * `POST /notes`: the body is note.added v1 data, validated with the consumer's schema, for the caller's own
 * account and as its author; the function signs it as a queue message and puts it on the stream, then answers
 * 202 with the message's jti. The note is applied later by the consumer, exactly once, like any message.
 * The function waits for Kinesis to accept the record (tens of ms) because Lambda freezes a function once it
 * has answered: a record still queued then would be lost.
 */
export function postNoteRoute(deps: PostNoteDeps): Route {
  return {
    scope: NOTES_WRITE,
    async handle(event, caller) {
      const raw = event.body ?? "";
      const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
      if (Buffer.byteLength(text) > MAX_NOTE_REQUEST_BYTES) {
        return refuse(413, "too_large", `the request body is above ${MAX_NOTE_REQUEST_BYTES} bytes`);
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        return refuse(400, "malformed", "the request body is not JSON");
      }
      const validation = deps.validator.validate("note.added", 1, data);
      if (!validation.ok) {
        return refuse(400, validation.reason, validation.detail, { issues: validation.issues ?? [] });
      }
      const note = validation.data as { accountId: string; authorId: string };
      if (note.accountId !== caller.account) {
        return refuse(403, "forbidden_account", "accountId is not the token's account");
      }
      if (note.authorId !== caller.sub) {
        return refuse(403, "forbidden_author", "authorId is not the token's subject");
      }
      const ack = await deps.publish({
        type: "note.added",
        v: 1,
        data: validation.data,
        sub: caller.account,
      });
      return json(202, { jti: ack.jti });
    },
  };
}
