/** Kinesis PutRecords limits (AWS service quotas, fixed per request). */
export const KINESIS_MAX_RECORDS_PER_REQUEST = 500;
export const KINESIS_MAX_REQUEST_BYTES = 5 * 1024 * 1024;
/** Partition key + data of one record (contract v1, docs/contract.md). */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
/** Partition keys are 1 to 256 Unicode characters. */
export const KINESIS_MAX_PARTITION_KEY_CHARS = 256;

/** What a record counts against the record and request size limits: its partition key (UTF-8) plus its data. */
export function recordBytes(partitionKey: string, data: Uint8Array | string): number {
  const dataBytes = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.byteLength;
  return Buffer.byteLength(partitionKey, "utf8") + dataBytes;
}
