/**
 * What a DynamoDB error means for the record(s) whose request raised it:
 * - `validation` / `item_too_large`: DynamoDB refuses these writes as such (a key or value it cannot store, an
 *   item over 400 KB). Permanent for the item that caused it; retrying the same request can never succeed.
 * - `conditional`: a condition failed (a duplicate, a claim held, an effect's own condition); read per item.
 * - `throttling`: too much at once (throughput, a transaction conflict, request limits): retry after a pause.
 * - `service`: DynamoDB's own trouble (HTTP 5xx): transient, not caused by the request.
 * - `network` / `timeout`: no answer (refused, reset, hung, aborted by a deadline): the service is unreachable.
 * - `configuration`: the table or the permissions are wrong: nothing per record can fix it.
 */
export type DynamoDbErrorKind =
  | "validation"
  | "item_too_large"
  | "conditional"
  | "throttling"
  | "service"
  | "network"
  | "timeout"
  | "configuration";

const THROTTLING = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TransactionConflictException",
  "TransactionInProgressException",
  "LimitExceededException",
]);
const CONFIGURATION = new Set([
  "ResourceNotFoundException",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "MissingAuthenticationTokenException",
  "InvalidSignatureException",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

export function classifyDynamoDbError(error: unknown): DynamoDbErrorKind {
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e?.name === "string" ? e.name : "";
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  if (name === "ValidationException")
    return /item size|maximum allowed size|exceeds? .*size/i.test(message) ? "item_too_large" : "validation";
  if (name === "ItemCollectionSizeLimitExceededException") return "item_too_large";
  if (name === "ConditionalCheckFailedException" || name === "TransactionCanceledException")
    return "conditional";
  if (THROTTLING.has(name)) return "throttling";
  if (CONFIGURATION.has(name)) return "configuration";
  if (
    name === "AbortError" ||
    name === "TimeoutError" ||
    code === "ETIMEDOUT" ||
    code === "ECONNABORTED" ||
    /timed? ?out/i.test(name)
  )
    return "timeout";
  if (NETWORK_CODES.has(code) || name === "NetworkingError" || /socket hang up/i.test(message))
    return "network";
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return "validation";
  return "service";
}

/** Caused by the request's own items: retrying them as they are cannot help. */
export const isItemProblem = (kind: DynamoDbErrorKind): boolean =>
  kind === "validation" || kind === "item_too_large";

/** DynamoDB cannot be reached or used at all: nothing else in this invocation will get through either. */
export const isUnreachable = (kind: DynamoDbErrorKind): boolean =>
  kind === "network" || kind === "timeout" || kind === "configuration" || kind === "service";
