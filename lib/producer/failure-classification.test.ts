import { ResourceNotFoundException, ProvisionedThroughputExceededException } from "@aws-sdk/client-kinesis";
import {
  isRetryableEntryError,
  isRetryableRequestError,
  requestErrorCode,
} from "./failure-classification.js";

test("entry codes: throughput and internal failures retry, the rest do not", () => {
  expect(isRetryableEntryError("ProvisionedThroughputExceededException")).toBe(true);
  expect(isRetryableEntryError("InternalFailure")).toBe(true);
  expect(isRetryableEntryError(undefined)).toBe(true);
  expect(isRetryableEntryError("KMSAccessDeniedException")).toBe(false);
});

test("request errors: a missing stream is permanent; throttling and network trouble retry", () => {
  const notFound = new ResourceNotFoundException({ message: "Stream x not found", $metadata: {} });
  expect(requestErrorCode(notFound)).toBe("ResourceNotFoundException");
  expect(isRetryableRequestError(notFound)).toBe(false);
  expect(
    isRetryableRequestError(
      new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }),
    ),
  ).toBe(true);
  const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
  expect(requestErrorCode(reset)).toBe("ECONNRESET");
  expect(isRetryableRequestError(reset)).toBe(true);
  expect(requestErrorCode("weird")).toBe("UnknownError");
});
