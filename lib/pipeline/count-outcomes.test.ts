import { OTHER_TYPE, outcomeEntry, UNKNOWN_TYPE } from "./count-outcomes.js";

const known = (t: string) => t === "note.added";

test("each finished outcome is counted with its type and, for failures, its reason", () => {
  expect(outcomeEntry({ status: "processed", skippedEffects: 0 }, "note.added", known)).toEqual({
    outcome: "processed",
    type: "note.added",
  });
  expect(outcomeEntry({ status: "duplicate" }, "note.added", known)).toEqual({
    outcome: "duplicate",
    type: "note.added",
  });
  expect(
    outcomeEntry({ status: "rejected", reason: "invalid_payload", detail: "x" }, "note.added", known),
  ).toEqual({ outcome: "rejected", type: "note.added", reason: "invalid_payload" });
  expect(
    outcomeEntry({ status: "failed", code: "processor_failed", detail: "x" }, "note.added", known),
  ).toEqual({ outcome: "failed", type: "note.added", reason: "processor_failed" });
  expect(outcomeEntry({ status: "parked", reason: "parked_behind", detail: "x" }, undefined, known)).toEqual({
    outcome: "parked",
    type: UNKNOWN_TYPE,
    reason: "parked_behind",
  });
});

test("unfinished records are not counted: they come back", () => {
  expect(
    outcomeEntry({ status: "unfinished", reason: "unfinished_deadline", detail: "x" }, "note.added", known),
  ).toBeUndefined();
  expect(outcomeEntry(undefined, "note.added", known)).toBeUndefined();
});

test("a type the processors do not know (an unverified claim) is counted as other, never by its name", () => {
  expect(
    outcomeEntry({ status: "rejected", reason: "unknown_key", detail: "x" }, "evil.<script>", known),
  ).toEqual({ outcome: "rejected", type: OTHER_TYPE, reason: "unknown_key" });
});
