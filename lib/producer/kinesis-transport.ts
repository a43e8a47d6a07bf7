import { PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import type { PutRecordsFn } from "./types.js";

export type StreamRef =
  { streamName: string; streamArn?: undefined } | { streamArn: string; streamName?: undefined };

/** PutRecords against one stream, through a client from lib/aws/kinesis-client.ts. */
export function kinesisPutRecords(client: KinesisClient, stream: StreamRef): PutRecordsFn {
  const target = stream.streamArn ? { StreamARN: stream.streamArn } : { StreamName: stream.streamName };
  return (records) => client.send(new PutRecordsCommand({ ...target, Records: records }));
}
