import { interpretResult } from "./response.js";

const seqs = ["100", "200", "300", "400"];
const returned = (value: unknown) => ({ kind: "returned" as const, value });

describe("ReportBatchItemFailures interpretation", () => {
  it.each([
    ["undefined (void)", undefined],
    ["null response", null],
    ["empty response", {}],
    ["null batchItemFailures", { batchItemFailures: null }],
    ["empty batchItemFailures", { batchItemFailures: [] }],
  ])("%s is complete success", (_, value) => {
    expect(interpretResult(returned(value), seqs, true)).toEqual({ kind: "success" });
  });

  it.each([
    ["empty itemIdentifier", [{ itemIdentifier: "" }]],
    ["null itemIdentifier", [{ itemIdentifier: null }]],
    ["wrongly named key", [{ itemIdentifer: "200" }]],
    ["unknown sequence number", [{ itemIdentifier: "999" }]],
    ["one bad among good", [{ itemIdentifier: "300" }, { itemIdentifier: "" }]],
    ["non-string identifier", [{ itemIdentifier: 200 }]],
    ["null entry", [null]],
  ])("%s fails the whole batch", (_, failures) => {
    const outcome = interpretResult(returned({ batchItemFailures: failures }), seqs, true);
    expect(outcome).toMatchObject({ kind: "failed", cause: "invalid_response" });
  });

  it("fails the whole batch on a response of the wrong shape", () => {
    expect(interpretResult(returned({ batchItemFailures: "200" }), seqs, true)).toMatchObject({
      kind: "failed",
      cause: "invalid_response",
    });
    expect(interpretResult(returned("ok"), seqs, true)).toMatchObject({
      kind: "failed",
      cause: "invalid_response",
    });
  });

  it("checkpoints before the lowest reported sequence number", () => {
    const outcome = interpretResult(
      returned({
        batchItemFailures: [{ itemIdentifier: "400" }, { itemIdentifier: "200" }, { itemIdentifier: "300" }],
      }),
      seqs,
      true,
    );
    expect(outcome).toEqual({ kind: "partial", firstFailedIndex: 1, failedSequenceNumber: "200" });
  });

  it("compares big sequence numbers numerically, not as text", () => {
    const big = ["9", "10", "11"];
    expect(
      interpretResult(
        returned({ batchItemFailures: [{ itemIdentifier: "11" }, { itemIdentifier: "10" }] }),
        big,
        true,
      ),
    ).toMatchObject({ firstFailedIndex: 1 });
  });

  it("treats a thrown error as a function error, with or without the feature", () => {
    expect(interpretResult({ kind: "threw", error: new TypeError("boom") }, seqs, true)).toEqual({
      kind: "failed",
      cause: "function_error",
      detail: "TypeError: boom",
    });
    expect(interpretResult({ kind: "threw", error: "x" }, seqs, false)).toMatchObject({
      kind: "failed",
      cause: "function_error",
    });
  });

  it("ignores the response body when ReportBatchItemFailures is off", () => {
    expect(
      interpretResult(returned({ batchItemFailures: [{ itemIdentifier: "200" }] }), seqs, false),
    ).toEqual({ kind: "success" });
  });
});
