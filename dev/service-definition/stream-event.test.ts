import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { parseServerlessYaml } from "./serverless-yaml.js";
import { join } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";
import { AWS_DEFAULTS, readStreamEventSettings, streamEventSettingsFrom } from "./stream-event.js";

const full = `
service: kjp
provider:
  name: aws
  stage: \${opt:stage, 'dev'}
  memorySize: 512
params:
  default:
    batchSize: 250
  prod:
    batchSize: 1000
custom:
  retries: 3
functions:
  consumer:
    handler: handlers/consumer.handler
    timeout: 30
    events:
      - stream:
          type: kinesis
          arn: !GetAtt KjpStream.Arn
          batchSize: \${param:batchSize}
          batchWindow: 2
          maximumRetryAttempts: \${self:custom.retries}
          maximumRecordAgeInSeconds: 3600
          bisectBatchOnFunctionError: true
          functionResponseType: ReportBatchItemFailures
          parallelizationFactor: 2
          startingPosition: TRIM_HORIZON
          destinations:
            onFailure:
              arn: !GetAtt OnFailureQueue.Arn
              type: sqs
resources:
  Resources:
    KjpStream:
      Type: AWS::Kinesis::Stream
      Properties:
        Name: kjp-\${sls:stage}-messages
        ShardCount: 1
    OnFailureQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: !Join ["-", [kjp, onfailure]]
`;

const minimal = (stream: string) => `
service: svc
functions:
  consumer:
    handler: h.handler
    events:
      - stream:
${stream
  .split("\n")
  .map((l) => `          ${l}`)
  .join("\n")}
`;

describe("stream event settings from serverless.yml", () => {
  it("maps every field, resolving variables, params and CloudFormation references", () => {
    const s = streamEventSettingsFrom(parseServerlessYaml(full));
    expect(s).toMatchObject({
      functionKey: "consumer",
      functionName: "kjp-dev-consumer",
      streamName: "kjp-dev-messages",
      streamLogicalId: "KjpStream",
      batchSize: 250,
      maximumBatchingWindowInSeconds: 2,
      maximumRetryAttempts: 3,
      maximumRecordAgeInSeconds: 3600,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      parallelizationFactor: 2,
      startingPosition: "TRIM_HORIZON",
      onFailure: { type: "sqs", logicalId: "OnFailureQueue" },
      timeoutSeconds: 30,
      memorySizeMb: 512,
      enabled: true,
    });
  });

  it("uses the stage's params and the stage option", () => {
    const s = streamEventSettingsFrom(parseServerlessYaml(full), { stage: "prod" });
    expect(s.batchSize).toBe(1000);
    expect(s.functionName).toBe("kjp-prod-consumer");
    expect(s.streamName).toBe("kjp-prod-messages");
  });

  it("applies AWS defaults to absent fields", () => {
    const s = streamEventSettingsFrom(
      parseServerlessYaml(
        minimal("arn: arn:aws:kinesis:us-east-1:123456789012:stream/plain\nstartingPosition: LATEST"),
      ),
    );
    expect(s).toMatchObject({
      streamName: "plain",
      streamArn: "arn:aws:kinesis:us-east-1:123456789012:stream/plain",
      batchSize: AWS_DEFAULTS.batchSize,
      maximumBatchingWindowInSeconds: 0,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      parallelizationFactor: 1,
      startingPosition: "LATEST",
      timeoutSeconds: 6,
      memorySizeMb: 1024,
    });
    expect(s.onFailure).toBeUndefined();
  });

  it("reads a literal on-failure ARN and infers its type", () => {
    const s = streamEventSettingsFrom(
      parseServerlessYaml(
        minimal(
          "arn: arn:aws:kinesis:us-east-1:1:stream/s\ndestinations:\n  onFailure: arn:aws:sqs:us-east-1:1:dlq",
        ),
      ),
    );
    expect(s.onFailure).toEqual({ type: "sqs", arn: "arn:aws:sqs:us-east-1:1:dlq", name: "dlq" });
  });

  it("resolves an S3 on-failure bucket by its resource", () => {
    const yml = `${minimal("arn: arn:aws:kinesis:us-east-1:1:stream/s\ndestinations:\n  onFailure:\n    arn: !GetAtt Failures.Arn\n    type: s3")}
resources:
  Resources:
    Failures:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: kjp-failures
`;
    expect(streamEventSettingsFrom(parseServerlessYaml(yml)).onFailure).toEqual({
      type: "s3",
      name: "kjp-failures",
      logicalId: "Failures",
    });
  });

  it.each([
    ["batchSize: 0", /batchSize must be within 1..10000/],
    ["batchSize: 10001", /batchSize must be within 1..10000/],
    ["batchSize: ten", /batchSize must be a whole number/],
    ["maximumRetryAttempts: -2", /maximumRetryAttempts must be within -1..10000/],
    ["maximumRetryAttempts: 10001", /maximumRetryAttempts/],
    ["maximumRecordAgeInSeconds: 59", /-1 or 60..604800/],
    ["maximumRecordAgeInSeconds: 0", /-1 or 60..604800/],
    ["maximumRecordAgeInSeconds: 604801", /maximumRecordAgeInSeconds must be within/],
    ["parallelizationFactor: 11", /parallelizationFactor must be within 1..10/],
    ["batchWindow: 301", /batchWindow must be within 0..300/],
    ["startingPosition: EARLIEST", /TRIM_HORIZON, LATEST or AT_TIMESTAMP/],
    ["startingPosition: AT_TIMESTAMP", /startingPositionTimestamp is required/],
    ["functionResponseType: Other", /not supported/],
    ["bisectBatchOnFunctionError: maybe", /true or false/],
  ])("rejects %s", (line, message) => {
    const yml = parseServerlessYaml(minimal(`arn: arn:aws:kinesis:us-east-1:1:stream/s\n${line}`));
    expect(() => streamEventSettingsFrom(yml)).toThrow(ConfigurationError);
    expect(() => streamEventSettingsFrom(yml)).toThrow(message);
  });

  it("accepts the edges of the ranges", () => {
    const s = streamEventSettingsFrom(
      parseServerlessYaml(
        minimal(
          "arn: arn:aws:kinesis:us-east-1:1:stream/s\nbatchSize: 10000\nmaximumRetryAttempts: 10000\nmaximumRecordAgeInSeconds: 60\nparallelizationFactor: 10",
        ),
      ),
    );
    expect([
      s.batchSize,
      s.maximumRetryAttempts,
      s.maximumRecordAgeInSeconds,
      s.parallelizationFactor,
    ]).toEqual([10000, 10000, 60, 10]);
  });

  it("names a missing function or stream event", () => {
    expect(() => streamEventSettingsFrom(parseServerlessYaml(full), { functionKey: "other" })).toThrow(
      /no function "other"/,
    );
    expect(() =>
      streamEventSettingsFrom(parseServerlessYaml("functions:\n  consumer:\n    handler: x\n")),
    ).toThrow(/0 Kinesis stream events/);
  });

  it("reports an unresolvable variable", () => {
    const yml = parseServerlessYaml(
      minimal("arn: arn:aws:kinesis:us-east-1:1:stream/s\nbatchSize: ${self:custom.missing}"),
    );
    expect(() => streamEventSettingsFrom(yml)).toThrow(/has no value/);
  });
});

describe("the project's serverless.yml", () => {
  it("yields complete consumer settings for every stage it declares", () => {
    for (const stage of ["local", "dev", "prod"]) {
      const s = readStreamEventSettings(join(projectRoot(), "serverless.yml"), { stage });
      expect(s.functionName).toContain(`-${stage}-`);
      expect(s.streamName).toContain(`-${stage}-`);
      expect(s.reportBatchItemFailures).toBe(true);
      expect(s.onFailure?.name).toEqual(expect.any(String));
    }
  });
});
