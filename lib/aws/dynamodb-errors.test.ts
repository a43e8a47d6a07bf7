import { classifyDynamoDbError, isItemProblem, isUnreachable } from "./dynamodb-errors.js";

const err = (name: string, message = "", extra: object = {}) =>
  Object.assign(new Error(message), { name, ...extra });

test.each([
  [err("ValidationException", "Hash primary key values must be under 2048 bytes"), "validation"],
  [err("ValidationException", "Item size has exceeded the maximum allowed size"), "item_too_large"],
  [
    err(
      "ValidationException",
      "Number overflow. Attempting to store a number with magnitude larger than supported range",
    ),
    "validation",
  ],
  [err("ConditionalCheckFailedException"), "conditional"],
  [err("TransactionCanceledException"), "conditional"],
  [err("ProvisionedThroughputExceededException"), "throttling"],
  [err("ThrottlingException"), "throttling"],
  [err("TransactionConflictException"), "throttling"],
  [err("InternalServerError", "", { $metadata: { httpStatusCode: 500 } }), "service"],
  [err("Error", "connect ECONNREFUSED 127.0.0.1:8000", { code: "ECONNREFUSED" }), "network"],
  [err("Error", "socket hang up", { code: "ECONNRESET" }), "network"],
  [err("TimeoutError", "Request timed out"), "timeout"],
  [err("AbortError", "Request aborted"), "timeout"],
  [err("ResourceNotFoundException", "Requested resource not found"), "configuration"],
  [err("SomethingNew", "", { $metadata: { httpStatusCode: 400 } }), "validation"],
  [err("SomethingNew"), "service"],
])("%s is %s", (error, kind) => {
  expect(classifyDynamoDbError(error)).toBe(kind);
});

test("only validation and size are a request's own problem; only unreachable kinds abandon the rest", () => {
  expect(isItemProblem("validation")).toBe(true);
  expect(isItemProblem("item_too_large")).toBe(true);
  expect(isItemProblem("throttling")).toBe(false);
  expect(isUnreachable("timeout")).toBe(true);
  expect(isUnreachable("throttling")).toBe(false);
  expect(isUnreachable("validation")).toBe(false);
});
