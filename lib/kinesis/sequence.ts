/**
 * Kinesis sequence numbers are decimal strings of up to 128 digits that only compare correctly as numbers
 * (lengths differ across shards and over time), so every comparison goes through BigInt. The one comparison
 * shared by the runner (checkpoints), the pipeline (batchItemFailures) and replay (ranges).
 */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export const isSequenceNumber = (text: string): boolean => /^\d{1,128}$/.test(text);

/** Orders records by shard, then by sequence number: the order a shard delivered them in. */
export function byStreamPosition(
  a: { shardId: string; sequenceNumber: string },
  b: { shardId: string; sequenceNumber: string },
): number {
  if (a.shardId !== b.shardId) return a.shardId < b.shardId ? -1 : 1;
  return compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber);
}

/** The stream name inside a Kinesis stream ARN (`arn:aws:kinesis:region:account:stream/NAME`). */
export function streamNameFromArn(arn: string): string | undefined {
  const match = /^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/([^/]+)$/.exec(arn);
  return match?.[1];
}
