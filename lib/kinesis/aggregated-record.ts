import { createHash } from "node:crypto";
import protobuf from "protobufjs";
import { AGGREGATION_DIGEST_BYTES, AGGREGATION_MAGIC } from "./aggregate-framing.js";

/**
 * The KPL aggregation format (amazon-kinesis-producer's aggregation-format.md), as the KPL, the KCL and
 * Lambda's own de-aggregation libraries read it: the 4 magic bytes, a protobuf `AggregatedRecord` (proto2),
 * then the MD5 of the protobuf bytes (the frame: aggregate-framing.ts). The schema is declared here once, for the consumer's reader and the
 * publisher's writer; the Ruby gem declares the same messages and test/vectors/aggregates.json proves both
 * write the same bytes.
 */
// proto2 as the format defines it: presence of optional fields (explicit_hash_key_index 0 is a value).
const KPL_PROTO = `
syntax = "proto2";
message AggregatedRecord {
  repeated string partition_key_table = 1;
  repeated string explicit_hash_key_table = 2;
  repeated Record records = 3;
}
message Tag {
  required string key = 1;
  optional string value = 2;
}
message Record {
  required uint64 partition_key_index = 1;
  optional uint64 explicit_hash_key_index = 2;
  required bytes data = 3;
  repeated Tag tags = 4;
}
`;

const { root } = protobuf.parse(KPL_PROTO, { keepCase: true });

export const AggregatedRecordType = root.lookupType("AggregatedRecord");

/** One user record to pack: its data and the index of its partition key in the table. */
export interface UserRecordInput {
  partitionKeyIndex: number;
  explicitHashKeyIndex?: number;
  data: Uint8Array;
}

export interface AggregateInput {
  partitionKeys: readonly string[];
  explicitHashKeys?: readonly string[];
  records: readonly UserRecordInput[];
}

/** The bytes of one aggregated Kinesis record: magic, protobuf, MD5 of the protobuf. */
export function encodeAggregate(input: AggregateInput): Buffer {
  const message = AggregatedRecordType.fromObject({
    partition_key_table: [...input.partitionKeys],
    explicit_hash_key_table: [...(input.explicitHashKeys ?? [])],
    records: input.records.map((r) => ({
      partition_key_index: r.partitionKeyIndex,
      ...(r.explicitHashKeyIndex !== undefined ? { explicit_hash_key_index: r.explicitHashKeyIndex } : {}),
      data: r.data,
    })),
  });
  const body = AggregatedRecordType.encode(message).finish();
  const digest = createHash("md5").update(body).digest();
  return Buffer.concat([AGGREGATION_MAGIC, body, digest]);
}

/**
 * Bytes one user record adds to an aggregate at most: the record field's tag and length, the partition key
 * index (small: one key per aggregate in our producers, a few bytes otherwise) and the data's tag and length.
 * Used to keep an aggregate under its size bound before it is encoded.
 */
export const userRecordOverhead = (dataBytes: number): number =>
  1 + varintBytes(dataBytes + 16) + 11 + 1 + varintBytes(dataBytes);

/** Fixed bytes of an aggregate holding `partitionKey` once: magic, digest and the key's table entry. */
export const aggregateOverhead = (partitionKey: string): number => {
  const keyBytes = Buffer.byteLength(partitionKey, "utf8");
  return AGGREGATION_MAGIC.length + AGGREGATION_DIGEST_BYTES + 1 + varintBytes(keyBytes) + keyBytes;
};

function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}
