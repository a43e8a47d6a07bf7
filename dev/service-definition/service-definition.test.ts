import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { loadServiceDefinition, parseServiceDefinition, requireResource } from "./service-definition.js";

describe("loadServiceDefinition (the project's serverless.yml)", () => {
  const local = loadServiceDefinition();

  it("reads the local stage by default, with its parameters", () => {
    expect(local.stage).toBe("local");
    expect(requireResource(local.streams, "EventStream")).toEqual({
      logicalId: "EventStream",
      name: "kinesis-jwt-pipeline-local-events",
      mode: "PROVISIONED",
      shardCount: 2,
      retentionHours: 24,
    });
  });

  it("declares the ledger with its sparse failures index, its activity index and TTL, and the projections table", () => {
    const ledger = requireResource(local.tables, "LedgerTable");
    expect(ledger.name).toBe("kinesis-jwt-pipeline-local-ledger");
    expect(ledger.keySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
    expect(ledger.ttlAttribute).toBe("ttl");
    expect(
      ledger.globalSecondaryIndexes.map((i) => [i.IndexName, i.KeySchema.map((k) => k.AttributeName)]),
    ).toEqual([
      ["failures", ["failureStatus", "failedAt"]],
      ["activity", ["activityBucket", "updatedAt"]],
    ]);
    expect(requireResource(local.tables, "ProjectionsTable").keySchema.map((k) => k.AttributeName)).toEqual([
      "pk",
      "sk",
    ]);
  });

  it("keeps the redrive as a reference to the DLQ, whose ARN only exists once created", () => {
    expect(requireResource(local.queues, "OnFailureQueue")).toMatchObject({
      name: "kinesis-jwt-pipeline-local-onfailure",
      attributes: { MessageRetentionPeriod: "1209600", VisibilityTimeout: "1800" },
      redrive: { deadLetterQueue: "ReplayDlq", maxReceiveCount: 5 },
    });
  });

  it("resolves Fn::Sub with pseudo parameters and derives each function's log group", () => {
    expect(requireResource(local.buckets, "OnFailureBucket").name).toBe(
      "kinesis-jwt-pipeline-local-onfailure-000000000000",
    );
    expect(local.functions.map((f) => [f.key, f.handler, f.logGroup, f.artifact])).toEqual([
      [
        "consumer",
        "handlers/consumer.handler",
        "/aws/lambda/kinesis-jwt-pipeline-local-consumer",
        ".build/lambda/consumer.zip",
      ],
      [
        "replay",
        "handlers/replay.handler",
        "/aws/lambda/kinesis-jwt-pipeline-local-replay",
        ".build/lambda/replay.zip",
      ],
      ...[
        ["authorizer", "authorizer"],
        ["accountPipeline", "account-pipeline"],
        ["postNote", "post-note"],
      ].map(([key, file]) => [
        key,
        `handlers/${file}.handler`,
        `/aws/lambda/kinesis-jwt-pipeline-local-${key}`,
        `.build/lambda/${key}.zip`,
      ]),
    ]);
  });

  it("follows the stage: dev streams are on-demand", () => {
    const dev = loadServiceDefinition({ stage: "dev" });
    expect(requireResource(dev.streams, "EventStream")).toMatchObject({
      name: "kinesis-jwt-pipeline-dev-events",
      mode: "ON_DEMAND",
      shardCount: undefined,
    });
    expect(dev.names.ledgerTable).toBe("kinesis-jwt-pipeline-dev-ledger");
  });

  it("resolves every resource's reference once: its service and physical name", () => {
    expect(local.resources.EventStream).toEqual({
      logicalId: "EventStream",
      type: "AWS::Kinesis::Stream",
      service: "kinesis",
      name: "kinesis-jwt-pipeline-local-events",
    });
    expect(local.resources.OnFailureQueue).toMatchObject({ service: "sqs", name: expect.any(String) });
  });

  it("keeps each function's events with their variables resolved and references left to `resources`", () => {
    const consumer = local.functions.find((f) => f.key === "consumer")!;
    const stream = (consumer.events[0] as { stream: Record<string, unknown> }).stream;
    expect(typeof stream.batchSize).toBe("number");
    expect(stream.arn).toEqual({ "Fn::GetAtt": ["EventStream", "Arn"] });
    expect(consumer.timeout).toBe(120);
  });

  it("requireResource names what is missing", () => {
    expect(() => requireResource(local.tables, "NoSuchTable")).toThrow(ConfigurationError);
  });
});

describe("parseServiceDefinition", () => {
  const yaml = (body: string) =>
    `service: svc\nprovider:\n  name: aws\n  stage: \${opt:stage, 'dev'}\n${body}`;

  it("resolves env variables with fallbacks and params by stage", () => {
    const def = parseServiceDefinition(
      yaml(`params:
  default: { shards: 1 }
  qa: { shards: 3 }
resources:
  Resources:
    S:
      Type: AWS::Kinesis::Stream
      Properties:
        Name: \${env:KJP_TEST_PREFIX, 'x'}-\${sls:stage}
        ShardCount: \${param:shards}
`),
      { stage: "qa", env: { KJP_TEST_PREFIX: "pre" } },
    );
    expect(def.streams).toEqual([
      { logicalId: "S", name: "pre-qa", mode: "PROVISIONED", shardCount: 3, retentionHours: undefined },
    ]);
  });

  it("refuses a variable without a value, naming it", () => {
    const text = yaml(`resources:
  Resources:
    T:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: \${param:nope}
`);
    expect(() => parseServiceDefinition(text)).toThrow(/\$\{param:nope\} has no value/);
  });

  it("refuses text that is not YAML", () => {
    expect(() => parseServiceDefinition("service: [unclosed")).toThrow(ConfigurationError);
  });
});
