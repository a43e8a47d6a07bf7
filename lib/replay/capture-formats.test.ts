import { parsePosition } from "./message-report.js";
import { parseFailureLine } from "./cloudwatch-source.js";
import { keyTime } from "./onfailure-s3-source.js";
import { parseOnFailureRecord, payloadRecords } from "./onfailure-record.js";
import { backoffSeconds } from "./scheduled-drain.js";
import { parseTimeBound } from "./time-window.js";
import { viewToken } from "./token-view.js";

const SEQ = "49590338271490256608559692538361571095921575989136588898";

describe("captured failure formats", () => {
  test("a consumer failure line, raw (Powertools JSON) or framed by the Lambda runtime", () => {
    const json = JSON.stringify({
      level: "WARN",
      message: "record rejected",
      outcome: "rejected",
      shardId: "shardId-000000000001",
      sequenceNumber: SEQ,
      partitionKey: "acc_1",
      jti: "j",
      iss: "crm-rails",
      type: "note.added",
      reason: "unknown_key",
      raw: "QUJD",
      rawTruncated: false,
    });
    expect(parseFailureLine(json)).toEqual({
      outcome: "rejected",
      shardId: "shardId-000000000001",
      sequenceNumber: SEQ,
      partitionKey: "acc_1",
      jti: "j",
      iss: "crm-rails",
      type: "note.added",
      reason: "unknown_key",
      raw: "QUJD",
      rawTruncated: false,
    });
    expect(
      parseFailureLine(
        `2026-11-25T02:00:00.000Z\tabc-123\tERROR\t${JSON.stringify({ outcome: "failed", shardId: "shardId-000000000000", sequenceNumber: "12", reason: "processor_failed" })}`,
      ),
    ).toMatchObject({ outcome: "failed", sequenceNumber: "12" });
    expect(parseFailureLine("START RequestId: x Version: $LATEST")).toBeUndefined();
    expect(
      parseFailureLine(JSON.stringify({ message: "records left for redelivery", unfinished: 3 })),
    ).toBeUndefined();
    expect(
      parseFailureLine(JSON.stringify({ outcome: "failed", shardId: "s", sequenceNumber: "12a" })),
    ).toBeUndefined();
    expect(parseFailureLine("{ broken")).toBeUndefined();
  });

  test("an on-failure record: the range it names; anything else says why not", () => {
    const body = {
      timestamp: "2026-11-25T02:00:00.000Z",
      requestContext: { condition: "RetryAttemptsExhausted" },
      KinesisBatchInfo: {
        shardId: "shardId-000000000000",
        startSequenceNumber: "10",
        endSequenceNumber: "20",
        streamArn: "arn:aws:kinesis:us-east-1:1:stream/ev",
        batchSize: 2,
      },
    };
    expect(parseOnFailureRecord(JSON.stringify(body))).toMatchObject({
      ok: true,
      range: {
        streamName: "ev",
        shardId: "shardId-000000000000",
        startSequenceNumber: "10",
        endSequenceNumber: "20",
      },
    });
    expect(parseOnFailureRecord(JSON.stringify(body), "renamed")).toMatchObject({
      ok: true,
      range: { streamName: "renamed" },
    });
    expect(parseOnFailureRecord("nope")).toEqual({ ok: false, detail: "the message body is not JSON" });
    expect(parseOnFailureRecord("{}")).toMatchObject({
      ok: false,
      detail: expect.stringContaining("KinesisBatchInfo"),
    });
    expect(
      parseOnFailureRecord(
        JSON.stringify({ KinesisBatchInfo: { ...body.KinesisBatchInfo, startSequenceNumber: "x" } }),
      ),
    ).toMatchObject({ ok: false, detail: expect.stringContaining("startSequenceNumber") });
    expect(
      parseOnFailureRecord(
        JSON.stringify({ KinesisBatchInfo: { ...body.KinesisBatchInfo, streamArn: "arn:aws:sqs:x" } }),
      ),
    ).toMatchObject({ ok: false, detail: expect.stringContaining("streamArn") });
  });

  test("the records of an S3 on-failure payload keep shard, sequence number, key and arrival", () => {
    const records = payloadRecords(
      {
        Records: [
          {
            eventID: `shardId-000000000003:${SEQ}`,
            kinesis: {
              sequenceNumber: SEQ,
              partitionKey: "k",
              data: "QUJD",
              approximateArrivalTimestamp: 1_764_036_000.5,
              kinesisSchemaVersion: "1.0",
            },
          },
        ],
      } as never,
      "fallback",
    );
    expect(records).toEqual([
      {
        shardId: "shardId-000000000003",
        sequenceNumber: SEQ,
        partitionKey: "k",
        data: "QUJD",
        arrivedAt: 1_764_036_000_500,
      },
    ]);
    expect(payloadRecords(undefined, "x")).toEqual([]);
  });

  test("the time in an S3 on-failure key", () => {
    expect(
      keyTime(
        "aws/lambda/u/shardId-000000000000/2026/11/25/2026-11-25T02.30.53-0d9c7c9e-1b1a-4c1e-9a52-2f8c2b8e2a11",
      ),
    ).toBe("2026-11-25T02:30:53");
    expect(keyTime("something/else")).toBeUndefined();
  });

  test("time bounds: ISO-8601 or an age; anything else is a usage error", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(parseTimeBound("6h", "--since", now)).toBe("2026-11-25T06:00:00.000Z");
    expect(parseTimeBound("2d", "--since", now)).toBe("2026-11-23T12:00:00.000Z");
    expect(parseTimeBound("2026-11-25T02:00:00+01:00", "--until", now)).toBe("2026-11-25T01:00:00.000Z");
    expect(() => parseTimeBound("yesterday", "--since", now)).toThrow(/--since "yesterday"/);
    expect(() => parseTimeBound("12345", "--since", now)).toThrow(/--since/);
  });

  test("backoff doubles per receive, is capped, jittered and never beyond SQS's 12 h", () => {
    expect(backoffSeconds(1, 60, 3600, () => 1)).toBe(60);
    expect(backoffSeconds(3, 60, 3600, () => 1)).toBe(240);
    expect(backoffSeconds(3, 60, 3600, () => 0)).toBe(120);
    expect(backoffSeconds(20, 60, 3600, () => 1)).toBe(3600);
    expect(backoffSeconds(20, 60, 100_000, () => 1)).toBe(43_200);
    expect(backoffSeconds(1, 1, 1, () => 0)).toBe(1);
  });

  test("inspect targets and the unverified view of a token", () => {
    expect(parsePosition(`shardId-000000000001:${SEQ}`)).toEqual({
      shardId: "shardId-000000000001",
      sequenceNumber: SEQ,
    });
    expect(parsePosition("0193a1f2-7b3c-7d4e-8f90-123456789abc")).toBeUndefined();
    expect(parsePosition("shardId-1:abc")).toBeUndefined();
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    expect(viewToken(`${b64({ alg: "ES256", kid: "k" })}.${b64({ jti: "j" })}.sig`)).toEqual({
      header: { alg: "ES256", kid: "k" },
      claims: { jti: "j" },
    });
    expect(viewToken("a.b")).toMatchObject({ problem: expect.stringContaining("2 parts") });
    expect(viewToken(`${b64({ alg: "ES256" })}.%%%.sig`)).toMatchObject({
      header: { alg: "ES256" },
      problem: expect.stringContaining("payload"),
    });
  });
});
