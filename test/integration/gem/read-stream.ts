import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from "@aws-sdk/client-kinesis";

/** One record as it sits in the stream, with the claims of its (unverified) token. */
export interface StreamEntry {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  claims: Record<string, unknown>;
}

function claimsOf(data: Uint8Array | undefined): Record<string, unknown> {
  const payload =
    Buffer.from(data ?? new Uint8Array())
      .toString("ascii")
      .split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

/**
 * Every record of a (small) stream, each shard from its oldest record, in stream order per shard: what the
 * producer actually put there, independent of what the consumer made of it.
 */
export async function readStream(kinesis: KinesisClient, streamName: string): Promise<StreamEntry[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const out: StreamEntry[] = [];
  for (const shard of Shards) {
    const shardId = shard.ShardId ?? "";
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        out.push({
          shardId,
          sequenceNumber: r.SequenceNumber ?? "",
          partitionKey: r.PartitionKey ?? "",
          claims: claimsOf(r.Data),
        });
      }
      // a shard that is still open always returns a next iterator: an empty page means we have read it all
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
