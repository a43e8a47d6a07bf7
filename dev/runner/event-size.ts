import { toEventRecord, type EventContext, type StreamRecord } from "../../lib/kinesis/event-record.js";

/** Lambda's synchronous invocation payload limit: 6 MB (6,291,456 bytes) of request JSON. */
export const MAX_INVOCATION_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** `{"Records":[` + `]}` around the comma-separated records. */
const EVENT_ENVELOPE_BYTES = Buffer.byteLength('{"Records":[]}');

/** Bytes one record adds to the serialized event (without the separating comma). */
export function eventRecordBytes(record: StreamRecord, ctx: EventContext): number {
  return Buffer.byteLength(JSON.stringify(toEventRecord(record, ctx)));
}

export function eventBytes(recordBytes: readonly number[]): number {
  if (recordBytes.length === 0) return EVENT_ENVELOPE_BYTES;
  return EVENT_ENVELOPE_BYTES + recordBytes.reduce((a, b) => a + b, 0) + (recordBytes.length - 1);
}
