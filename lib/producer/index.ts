// The public API of the TypeScript producer.
export { Publisher, type PublisherOptions } from "./publisher.js";
export { kinesisPutRecords, type StreamRef } from "./kinesis-transport.js";
export {
  MessageValidationError,
  PublishFailedError,
  PublisherClosedError,
  QueueFullError,
  RecordTooLargeError,
} from "./errors.js";
export {
  KINESIS_MAX_RECORD_BYTES,
  KINESIS_MAX_RECORDS_PER_REQUEST,
  KINESIS_MAX_REQUEST_BYTES,
} from "./limits.js";
export type * from "./types.js";
