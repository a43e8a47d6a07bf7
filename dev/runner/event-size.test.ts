import { compareSequenceNumbers } from "../../lib/kinesis/sequence.js";
import { toEvent, toEventRecord, type StreamRecord } from "../../lib/kinesis/event-record.js";
import { eventBytes, eventRecordBytes } from "./event-size.js";

const ctx = {
  awsRegion: "us-east-2",
  eventSourceArn: "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
  invokeIdentityArn: "arn:aws:iam::123456789012:role/lambda-role",
};
const record: StreamRecord = {
  shardId: "shardId-000000000006",
  sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
  partitionKey: "1",
  data: Buffer.from("Hello, this is a test."),
  approximateArrivalMs: 1545084650987,
};

describe("Kinesis event shape", () => {
  it("matches the documented example record field for field", () => {
    expect(toEventRecord(record, ctx)).toEqual({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "1",
        sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
        data: "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
        approximateArrivalTimestamp: 1545084650.987,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::123456789012:role/lambda-role",
      awsRegion: "us-east-2",
      eventSourceARN: "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
    });
  });

  it("wraps records in Records, in order", () => {
    const second = { ...record, sequenceNumber: "49590338271490256608559692540925702759324208523137515618" };
    const event = toEvent([record, second], ctx);
    expect(event.Records.map((r) => r.kinesis.sequenceNumber)).toEqual([
      record.sequenceNumber,
      second.sequenceNumber,
    ]);
  });

  it("computes the serialized size exactly", () => {
    const sizes = [eventRecordBytes(record, ctx), eventRecordBytes(record, ctx)];
    expect(eventBytes(sizes)).toBe(Buffer.byteLength(JSON.stringify(toEvent([record, record], ctx))));
    expect(eventBytes([])).toBe(Buffer.byteLength(JSON.stringify({ Records: [] })));
  });

  it("compares sequence numbers beyond float precision", () => {
    expect(
      compareSequenceNumbers(
        "49590338271490256608559692538361571095921575989136588898",
        "49590338271490256608559692538361571095921575989136588899",
      ),
    ).toBe(-1);
    expect(compareSequenceNumbers("100", "99")).toBe(1);
    expect(compareSequenceNumbers("5", "5")).toBe(0);
  });
});
