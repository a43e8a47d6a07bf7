/**
 * The frame around a KPL aggregate (amazon-kinesis-producer's aggregation-format.md): 4 magic bytes, the
 * protobuf `AggregatedRecord`, then the MD5 of the protobuf bytes. Kept apart from the protobuf schema
 * (aggregated-record.ts) so the consumer can tell an aggregate from a plain record without loading protobufjs:
 * it loads the reader only when a record of the batch starts with the magic (load-deaggregate.ts).
 */
export const AGGREGATION_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
export const AGGREGATION_DIGEST_BYTES = 16;

/** True when `data` starts with the magic bytes (a signed token's bytes are ASCII and never do). */
export function isAggregate(data: Uint8Array): boolean {
  if (data.length < AGGREGATION_MAGIC.length) return false;
  for (let i = 0; i < AGGREGATION_MAGIC.length; i++) if (data[i] !== AGGREGATION_MAGIC[i]) return false;
  return true;
}
