import { NOTE_BODY_MAX, NOTE_MENTIONS_MAX, noteAddedV1, noteAddedV1Schema } from "./note-added.v1.js";
import { failingPaths } from "./test-helpers.js";

const T = "note.added";
const ok = noteAddedV1.example;

describe("note.added v1", () => {
  test("the example passes", () => {
    expect(noteAddedV1Schema.safeParse(ok).success).toBe(true);
  });

  test("contactId is optional, mentions may be empty, body may be at the limit", () => {
    const { contactId: _c, ...noContact } = ok;
    expect(
      noteAddedV1Schema.safeParse({ ...noContact, mentions: [], body: "x".repeat(NOTE_BODY_MAX) }).success,
    ).toBe(true);
  });

  test.each([
    ["noteId", { noteId: "note-1" }],
    ["contactId", { contactId: "usr_Jd82hF0aQz11" }],
    ["authorId", { authorId: undefined }],
    ["body", { body: "" }],
    ["body", { body: "  \n\t " }],
    ["body", { body: "x".repeat(NOTE_BODY_MAX + 1) }],
    ["body", { body: "bell\u0007" }],
    [
      "mentions",
      {
        mentions: Array.from(
          { length: NOTE_MENTIONS_MAX + 1 },
          (_, i) => `usr_${String(i).padStart(8, "0")}`,
        ),
      },
    ],
    ["mentions", { mentions: ["usr_Gh55kP0mRt22", "usr_Gh55kP0mRt22"] }],
    ["mentions[1]", { mentions: ["usr_Gh55kP0mRt22", "@grace"] }],
    ["mentions", { mentions: "usr_Gh55kP0mRt22" }],
    ["createdAt", { createdAt: "2026-11-24T10:02:33.120" }],
    ["notify", { notify: "true" }],
  ])("rejects a bad %s", (path, patch) => {
    expect(failingPaths(T, 1, { ...ok, ...patch })).toContain(path);
  });

  test("refuses unknown keys", () => {
    expect(failingPaths(T, 1, { ...ok, html: "<script>" })).toEqual(["html"]);
  });
});
