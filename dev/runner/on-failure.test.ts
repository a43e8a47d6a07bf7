import { buildOnFailureRecord, s3ObjectKey } from "./on-failure.js";

const records = [
  {
    shardId: "shardId-000000000001",
    sequenceNumber: "111",
    partitionKey: "a",
    data: new Uint8Array(),
    approximateArrivalMs: Date.parse("2019-11-14T00:38:04.835Z"),
  },
  {
    shardId: "shardId-000000000001",
    sequenceNumber: "222",
    partitionKey: "b",
    data: new Uint8Array(),
    approximateArrivalMs: Date.parse("2019-11-14T00:38:05.580Z"),
  },
];

describe("on-failure invocation record", () => {
  it("has the documented fields", () => {
    const record = buildOnFailureRecord({
      records,
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 4,
      requestId: "c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5",
      functionError: "Unhandled",
      functionArn: "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
      streamArn: "arn:aws:kinesis:us-east-2:123456789012:stream/mystream",
      nowMs: Date.parse("2019-11-14T00:38:06.021Z"),
    });
    expect(record).toEqual({
      requestContext: {
        requestId: "c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5",
        functionArn: "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      version: "1.0",
      timestamp: "2019-11-14T00:38:06.021Z",
      KinesisBatchInfo: {
        shardId: "shardId-000000000001",
        startSequenceNumber: "111",
        endSequenceNumber: "222",
        approximateArrivalOfFirstRecord: "2019-11-14T00:38:04.835Z",
        approximateArrivalOfLastRecord: "2019-11-14T00:38:05.580Z",
        batchSize: 2,
        streamArn: "arn:aws:kinesis:us-east-2:123456789012:stream/mystream",
      },
    });
  });

  it("omits functionError when the function did not throw and makes a request id when never invoked", () => {
    const record = buildOnFailureRecord({
      records,
      condition: "RecordAgeExceeded",
      approximateInvokeCount: 0,
      functionArn: "f",
      streamArn: "s",
      nowMs: 0,
    });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: "$LATEST" });
    expect(record.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(() =>
      buildOnFailureRecord({
        records: [],
        condition: "RecordAgeExceeded",
        approximateInvokeCount: 0,
        functionArn: "f",
        streamArn: "s",
        nowMs: 0,
      }),
    ).toThrow();
  });

  it("names S3 objects with the documented key layout", () => {
    expect(
      s3ObjectKey("esm-uuid", "shardId-000000000001", Date.parse("2024-03-05T07:08:09.123Z"), "rnd"),
    ).toBe("aws/lambda/esm-uuid/shardId-000000000001/2024/03/05/2024-03-05T07.08.09-rnd");
  });
});
