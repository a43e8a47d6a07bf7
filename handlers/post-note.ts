import { postNoteHandlerFromEnv } from "./wiring/http.js";

/**
 * `POST /notes` (lib/http/post-note.ts): a note.added message on the stream, 202 with its jti. The signing key
 * is loaded during init (top-level await), so a missing or wrong key fails the cold start, not a request.
 */
export const handler = await postNoteHandlerFromEnv(process.env);
