import { createHash } from "node:crypto";
import { AGGREGATION_DIGEST_BYTES, AGGREGATION_MAGIC, isAggregate } from "./aggregate-framing.js";
import { AggregatedRecordType } from "./aggregated-record.js";

/**
 * Recognises and unpacks a KPL-aggregated Kinesis record. A record that does not start with the magic bytes is
 * `plain` (a signed token's bytes are ASCII and never do). One that does is an aggregate and must be whole:
 * anything wrong with it (digest, protobuf, table indexes, limits) makes it `corrupt`, never a throw, because
 * every record is hostile and a corrupt aggregate must be rejected with its own reason, not retried forever.
 */

/** Bounds on what one aggregate may hold (a Kinesis record is at most 1 MiB). */
export const AGGREGATE_LIMITS = {
  /** User records per aggregate: far above what fits in 1 MiB of signed messages (about 3,000 of 300 bytes). */
  maxUserRecords: 10_000,
  /** Kinesis partition keys are 1 to 256 Unicode characters. */
  maxPartitionKeyChars: 256,
  /** Explicit hash keys are decimal integers below 2^128. */
  maxExplicitHashKey: (1n << 128n) - 1n,
} as const;

export interface UserRecord {
  /** Position inside the aggregate: the KCL's sub-sequence number. */
  subSequenceNumber: number;
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

export type Deaggregated =
  { kind: "plain" } | { kind: "aggregate"; records: UserRecord[] } | { kind: "corrupt"; detail: string };

interface DecodedAggregate {
  partition_key_table: string[];
  explicit_hash_key_table: string[];
  records: { partition_key_index: unknown; explicit_hash_key_index?: unknown; data: Uint8Array }[];
}

export function deaggregate(data: Uint8Array): Deaggregated {
  if (!isAggregate(data)) return { kind: "plain" };
  const start = AGGREGATION_MAGIC.length;
  const end = data.length - AGGREGATION_DIGEST_BYTES;
  if (end <= start) return corrupt(`${data.length} bytes: too short for magic, message and digest`);
  const body = data.subarray(start, end);
  const digest = createHash("md5").update(body).digest();
  if (!digest.equals(data.subarray(end))) return corrupt("MD5 digest does not match the protobuf message");

  let message: DecodedAggregate;
  try {
    message = AggregatedRecordType.decode(body) as unknown as DecodedAggregate;
  } catch (error) {
    // The digest matched, so the producer itself wrote bad protobuf (truncated, wrong wire type, missing field).
    return corrupt(`protobuf: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300));
  }
  const keys = message.partition_key_table;
  const hashKeys = message.explicit_hash_key_table;
  const records = message.records;
  if (records.length === 0) return corrupt("no user records");
  if (records.length > AGGREGATE_LIMITS.maxUserRecords)
    return corrupt(`${records.length} user records, above ${AGGREGATE_LIMITS.maxUserRecords}`);
  const badKey = keys.findIndex(
    (k) => k.length === 0 || [...k].length > AGGREGATE_LIMITS.maxPartitionKeyChars,
  );
  if (badKey >= 0) return corrupt(`partition key ${badKey} is empty or above 256 characters`);
  const badHash = hashKeys.findIndex((k) => !isHashKey(k));
  if (badHash >= 0) return corrupt(`explicit hash key ${badHash} is not a decimal integer below 2^128`);

  const out: UserRecord[] = [];
  for (const [i, r] of records.entries()) {
    const keyIndex = tableIndex(r.partition_key_index, keys.length);
    if (keyIndex === undefined) return corrupt(`user record ${i}: partition key index out of range`);
    const record: UserRecord = {
      subSequenceNumber: i,
      partitionKey: keys[keyIndex]!,
      data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    };
    // Decoded messages carry defaults on their prototype: only an own property was on the wire.
    if (Object.prototype.hasOwnProperty.call(r, "explicit_hash_key_index")) {
      const hashIndex = tableIndex(r.explicit_hash_key_index, hashKeys.length);
      if (hashIndex === undefined) return corrupt(`user record ${i}: explicit hash key index out of range`);
      record.explicitHashKey = hashKeys[hashIndex]!;
    }
    out.push(record);
  }
  return { kind: "aggregate", records: out };
}

const corrupt = (detail: string): Deaggregated => ({ kind: "corrupt", detail });

const isHashKey = (k: string): boolean =>
  /^\d{1,39}$/.test(k) && BigInt(k) <= AGGREGATE_LIMITS.maxExplicitHashKey;

/** A uint64 index (a number, or a Long for large values) that falls inside a table of `size`. */
function tableIndex(value: unknown, size: number): number | undefined {
  let n: number;
  if (typeof value === "number") n = value;
  else if (value && typeof value === "object" && "high" in value && "low" in value) {
    const long = value as { high: number; low: number };
    if (long.high !== 0) return undefined;
    n = long.low >>> 0;
  } else return undefined;
  return Number.isInteger(n) && n >= 0 && n < size ? n : undefined;
}
