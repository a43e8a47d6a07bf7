import type { KinesisStreamRecord } from "aws-lambda";
import { isAggregate } from "../kinesis/aggregate-framing.js";
import { loadDeaggregate } from "../kinesis/load-deaggregate.js";

/** A Kinesis record as the pipeline sees it: the token bytes and where the record sits in the stream. */
export interface DecodedRecord {
  /** Position in the batch. */
  index: number;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** The record's data: the ASCII bytes of a JWS compact serialization (if the producer kept the contract). */
  data: Buffer;
  /** The data as delivered (base64), kept for rejected/failed ledger items and logs. */
  base64: string;
  /** ms since epoch, when Kinesis accepted the record. */
  arrivedAt?: number;
  /**
   * Set for a user record of a KPL aggregate: its place inside the Kinesis record. Its position is then
   * (sequenceNumber, subSequenceNumber), and `data`/`base64` are the user record's own bytes.
   */
  subSequenceNumber?: number;
  /** Set when the record is an aggregate that cannot be unpacked: why (it is rejected as `aggregate`). */
  aggregateRejection?: string;
}

/**
 * Decodes one record of a Kinesis event. The shard comes from `eventID` ("shardId-…:sequence"), which is
 * what Lambda's event carries; an event without it (hand-made test events) falls back to "unknown".
 */
export function decodeRecord(record: KinesisStreamRecord, index: number): DecodedRecord {
  const { kinesis } = record;
  const colon = record.eventID?.indexOf(":") ?? -1;
  const shardId = colon > 0 ? record.eventID.slice(0, colon) : "unknown";
  const base64 = kinesis.data ?? "";
  const decoded: DecodedRecord = {
    index,
    shardId,
    sequenceNumber: kinesis.sequenceNumber,
    partitionKey: kinesis.partitionKey,
    data: Buffer.from(base64, "base64"),
    base64,
  };
  if (typeof kinesis.approximateArrivalTimestamp === "number")
    decoded.arrivedAt = Math.round(kinesis.approximateArrivalTimestamp * 1000);
  return decoded;
}

/**
 * Decodes every record of an event, unpacking KPL aggregates into their user records, in stream order (the
 * user records of an aggregate in their order inside it). `subSequenceNumbers` (replay only) marks records
 * that are user records already taken out of their aggregate, by their index in the event. The KPL reader is
 * loaded only for a batch that holds an aggregate (load-deaggregate.ts).
 */
export async function decodeRecords(
  records: readonly KinesisStreamRecord[],
  subSequenceNumbers?: readonly (number | undefined)[],
): Promise<DecodedRecord[]> {
  const decoded = records.map((eventRecord, i) => decodeRecord(eventRecord, i));
  const packed = (i: number) => subSequenceNumbers?.[i] === undefined && isAggregate(decoded[i]!.data);
  const deaggregate = decoded.some((_, i) => packed(i)) ? await loadDeaggregate() : undefined;
  const out: DecodedRecord[] = [];
  decoded.forEach((record, i) => {
    // Positions shift once an aggregate before this record has been unpacked.
    record.index = out.length;
    const given = subSequenceNumbers?.[i];
    if (given !== undefined) {
      out.push({ ...record, subSequenceNumber: given });
      return;
    }
    const unpacked = deaggregate && packed(i) ? deaggregate(record.data) : undefined;
    if (!unpacked || unpacked.kind === "plain") out.push(record);
    else if (unpacked.kind === "corrupt") out.push({ ...record, aggregateRejection: unpacked.detail });
    else
      for (const user of unpacked.records)
        out.push({
          ...record,
          index: out.length,
          partitionKey: user.partitionKey,
          data: user.data,
          base64: user.data.toString("base64"),
          subSequenceNumber: user.subSequenceNumber,
        });
  });
  return out;
}
