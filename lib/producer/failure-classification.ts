/**
 * Which PutRecords failures are worth retrying. Entry-level codes are documented for PutRecordsResultEntry;
 * request-level errors are SDK exceptions (or network errors, which carry no Kinesis name at all).
 */
const RETRYABLE_ENTRY_CODES = new Set([
  "ProvisionedThroughputExceededException",
  "InternalFailure",
  "KMSThrottlingException",
]);

/** Errors no retry can fix: wrong stream, missing permission, a broken KMS key, a malformed request. */
const PERMANENT_REQUEST_ERRORS = new Set([
  "ResourceNotFoundException",
  "AccessDeniedException",
  "ValidationException",
  "InvalidArgumentException",
  "UnrecognizedClientException",
  "KMSAccessDeniedException",
  "KMSDisabledException",
  "KMSInvalidStateException",
  "KMSNotFoundException",
  "KMSOptInRequired",
]);

export function isRetryableEntryError(errorCode: string | undefined): boolean {
  // An entry with neither a sequence number nor an error code is an incomplete response: retrying is safe.
  return errorCode === undefined || RETRYABLE_ENTRY_CODES.has(errorCode);
}

export function requestErrorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { name?: unknown; code?: unknown };
    if (typeof e.name === "string" && e.name !== "Error") return e.name;
    if (typeof e.code === "string") return e.code;
  }
  return "UnknownError";
}

export function isRetryableRequestError(error: unknown): boolean {
  return !PERMANENT_REQUEST_ERRORS.has(requestErrorCode(error));
}
