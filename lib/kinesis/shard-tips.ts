import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from "@aws-sdk/client-kinesis";

/**
 * The sequence number of the newest record of each open shard right now (absent for an empty shard): where a
 * reader that must see only records written from now on resumes, with AFTER_SEQUENCE_NUMBER. By sequence and
 * not by time, because timestamps are coarse: LocalStack truncates AT_TIMESTAMP to whole seconds, and clocks
 * of producers and the service differ. Reads each shard once from TRIM_HORIZON to its tip.
 */
export async function readShardTips(
  kinesis: KinesisClient,
  streamName: string,
): Promise<Record<string, string | undefined>> {
  const shardIds: string[] = [];
  let token: string | undefined;
  do {
    const out = await kinesis.send(
      new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }),
    );
    for (const shard of out.Shards ?? [])
      if (shard.ShardId && !shard.SequenceNumberRange?.EndingSequenceNumber) shardIds.push(shard.ShardId);
    token = out.NextToken;
  } while (token);

  const tips: Record<string, string | undefined> = {};
  await Promise.all(
    shardIds.map(async (shardId) => {
      let iterator = (
        await kinesis.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shardId,
            ShardIteratorType: "TRIM_HORIZON",
          }),
        )
      ).ShardIterator;
      let last: string | undefined;
      while (iterator) {
        const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        const records = out.Records ?? [];
        if (records.length > 0) last = records[records.length - 1]?.SequenceNumber ?? last;
        // Caught up: an empty page at the tip. (An empty page while behind is a gap; keep reading.)
        if (records.length === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
        iterator = out.NextShardIterator;
      }
      tips[shardId] = last;
    }),
  );
  return tips;
}
