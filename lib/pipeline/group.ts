/**
 * Groups items by partition key. Keys keep the order of their first record, and records keep batch order
 * within a key: that order is what the pipeline must preserve per key.
 */
export function groupByPartitionKey<T extends { partitionKey: string }>(
  records: readonly T[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const record of records) {
    const group = groups.get(record.partitionKey);
    if (group) group.push(record);
    else groups.set(record.partitionKey, [record]);
  }
  return groups;
}

/**
 * Cuts the groups into segments of about `size` records (the first of about `firstSize`), never splitting a
 * group, keeping group order. The pipeline verifies one segment while it commits the previous one; a key
 * lives in one segment only, so per-key order is untouched. Nothing is committed before the first segment is
 * verified, so a small first segment starts the commits sooner.
 */
export function segmentGroups<T>(
  groups: Map<string, T[]>,
  size: number,
  firstSize = size,
): Map<string, T[]>[] {
  const segments: Map<string, T[]>[] = [];
  let current = new Map<string, T[]>();
  let count = 0;
  for (const [key, records] of groups) {
    const limit = segments.length === 0 ? firstSize : size;
    if (count > 0 && count + records.length > limit) {
      segments.push(current);
      current = new Map();
      count = 0;
    }
    current.set(key, records);
    count += records.length;
  }
  if (current.size > 0) segments.push(current);
  return segments;
}
