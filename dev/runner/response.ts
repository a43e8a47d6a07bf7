import { compareSequenceNumbers } from "../../lib/kinesis/sequence.js";

/**
 * What an invocation's result means for the batch, as the Lambda guide's "Success and failure conditions"
 * for ReportBatchItemFailures on Kinesis states:
 * - complete success: null/empty response, null/empty `batchItemFailures`;
 * - complete failure: an `itemIdentifier` that is an empty string, null, or missing (a wrongly named key);
 *   we also count an identifier that is not a sequence number of this batch, and a response of the wrong
 *   shape, as complete failure (Lambda cannot checkpoint on them);
 * - otherwise: checkpoint before the lowest reported sequence number and retry from there.
 * Without ReportBatchItemFailures turned on the response body is ignored ("Lambda doesn't process these
 * responses"): any return is success. A thrown error / rejected promise is a function error either way.
 */
export type InvocationResult = { kind: "returned"; value: unknown } | { kind: "threw"; error: unknown };

export type BatchOutcome =
  | { kind: "success" }
  /** Records [0, firstFailedIndex) are done; retry from firstFailedIndex. */
  | { kind: "partial"; firstFailedIndex: number; failedSequenceNumber: string }
  | { kind: "failed"; cause: "function_error" | "invalid_response"; detail: string };

export function interpretResult(
  result: InvocationResult,
  batchSequenceNumbers: readonly string[],
  reportBatchItemFailures: boolean,
): BatchOutcome {
  if (result.kind === "threw")
    return { kind: "failed", cause: "function_error", detail: describeError(result.error) };
  if (!reportBatchItemFailures) return { kind: "success" };
  const value = result.value;
  if (value === undefined || value === null) return { kind: "success" };
  if (typeof value !== "object" || Array.isArray(value))
    return invalid(`the response is ${Array.isArray(value) ? "an array" : typeof value}, not an object`);
  const failures = (value as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "success" };
  if (!Array.isArray(failures)) return invalid("batchItemFailures is not a list");
  if (failures.length === 0) return { kind: "success" };

  const index = new Map(batchSequenceNumbers.map((s, i) => [s, i] as const));
  let lowest: string | undefined;
  for (const failure of failures) {
    const id =
      typeof failure === "object" && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (id === undefined || id === null)
      return invalid("an entry has no itemIdentifier (null, or a wrongly named key)");
    if (typeof id !== "string") return invalid(`itemIdentifier ${JSON.stringify(id)} is not a string`);
    if (id === "") return invalid("an itemIdentifier is empty");
    if (!index.has(id)) return invalid(`itemIdentifier ${id} is not a sequence number in this batch`);
    if (lowest === undefined || compareSequenceNumbers(id, lowest) < 0) lowest = id;
  }
  if (lowest === undefined) return { kind: "success" };
  return { kind: "partial", firstFailedIndex: index.get(lowest) ?? 0, failedSequenceNumber: lowest };
}

function invalid(detail: string): BatchOutcome {
  return { kind: "failed", cause: "invalid_response", detail };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
