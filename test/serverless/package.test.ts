import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../lib/util/project-root.js";
import { createZip } from "../../dev/packaging/zip.js";

/**
 * `serverless package` (osls) must work offline and without credentials, and its CloudFormation must say
 * what the design promises. It runs in a scratch copy of the service with stand-in artifacts, so the check
 * depends neither on the handlers being built nor on the working tree's .serverless/.
 */
type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Condition?: string }>;
  Conditions: Record<string, unknown>;
};
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

const root = projectRoot();
const run = promisify(execFile);
let scratch: string;
let dev: Template;
let prodS3: Template;

/** Packages one stage in its own copy of the service (osls writes state next to serverless.yml). */
async function packageStage(stage: string, extra: string[] = []): Promise<Template> {
  const dir = join(scratch, stage);
  mkdirSync(join(dir, ".build/lambda"), { recursive: true });
  copyFileSync(join(root, "serverless.yml"), join(dir, "serverless.yml"));
  const stub = createZip([
    { path: "handlers/stub.mjs", data: Buffer.from("export const handler = async () => {};\n") },
  ]);
  for (const fn of ["consumer", "replay", "authorizer", "accountPipeline", "postNote"])
    writeFileSync(join(dir, `.build/lambda/${fn}.zip`), stub);
  const out = join(dir, "out");
  // No credentials, no AWS config, a scratch HOME: proves packaging is offline.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
  const cli = join(root, "node_modules/osls/bin/serverless.js");
  try {
    await run(process.execPath, [cli, "package", "--stage", stage, "--package", out, ...extra], {
      cwd: dir,
      env,
      timeout: 60_000,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package --stage ${stage} failed:\n${stdout}\n${stderr}`);
  }
  return JSON.parse(readFileSync(join(out, "cloudformation-template-update-stack.json"), "utf8")) as Template;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "kjp-sls-"));
  [dev, prodS3] = await Promise.all([
    packageStage("dev"),
    packageStage("prod", ["--param", "onFailureDestination=s3"]),
  ]);
}, 90_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const resource = (t: Template, id: string) => {
  const r = t.Resources[id];
  if (!r) throw new Error(`no resource ${id}; have ${Object.keys(t.Resources).join(", ")}`);
  return r;
};
const statements = (t: Template, roleId: string): Statement[] => {
  const policies = resource(t, roleId).Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[];
  // A conditional statement (Fn::If [cond, statement, AWS::NoValue]) counts as its statement.
  return policies
    .flatMap((p) => p.PolicyDocument.Statement)
    .map((s) => {
      const conditional = (s as { "Fn::If"?: [string, Statement, unknown] })["Fn::If"];
      return conditional ? conditional[1] : (s as Statement);
    });
};
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe("serverless package: event source mapping", () => {
  it("carries the stream settings the runner and Lambda must agree on", () => {
    const [[, esm] = []] = ofType(dev, "AWS::Lambda::EventSourceMapping");
    expect(esm?.Properties).toMatchObject({
      EventSourceArn: { "Fn::GetAtt": ["EventStream", "Arn"] },
      FunctionName: { "Fn::GetAtt": ["ConsumerLambdaFunction", "Arn"] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      // Retries without a count (the consumer parks first; an outage makes the shard wait), age = retention.
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: 86400,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ParallelizationFactor: 1,
      StartingPosition: "TRIM_HORIZON",
    });
    expect(esm?.Properties.DestinationConfig).toEqual({
      OnFailure: {
        Destination: {
          "Fn::If": [
            "OnFailureToS3",
            { "Fn::GetAtt": ["OnFailureBucket", "Arn"] },
            { "Fn::GetAtt": ["OnFailureQueue", "Arn"] },
          ],
        },
      },
    });
    expect(dev.Conditions.OnFailureToS3).toEqual({ "Fn::Equals": ["sqs", "s3"] });
  });

  it("takes stage parameters: prod parallelises and can send failures to S3", () => {
    const [[, esm] = []] = ofType(prodS3, "AWS::Lambda::EventSourceMapping");
    expect(esm?.Properties).toMatchObject({ ParallelizationFactor: 2, MaximumRecordAgeInSeconds: 604800 });
    expect(prodS3.Conditions.OnFailureToS3).toEqual({ "Fn::Equals": ["s3", "s3"] });
    expect(resource(prodS3, "OnFailureBucket").Condition).toBe("OnFailureToS3");
    expect(resource(prodS3, "EventStream").Properties.RetentionPeriodHours).toBe(168);
  });

  it("runs the consumer on nodejs22.x arm64 with its configuration in the environment", () => {
    const fn = resource(dev, "ConsumerLambdaFunction").Properties;
    expect(fn).toMatchObject({
      Handler: "handlers/consumer.handler",
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
    });
    const vars = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars).toMatchObject({
      KJP_LEDGER_TABLE: "kinesis-jwt-pipeline-dev-ledger",
      KJP_PROJECTIONS_TABLE: "kinesis-jwt-pipeline-dev-projections",
      KJP_AUDIENCE: "kinesis-jwt-pipeline",
      KJP_ONFAILURE_QUEUE_URL: { Ref: "OnFailureQueue" },
      POWERTOOLS_SERVICE_NAME: "kinesis-jwt-pipeline",
      POWERTOOLS_METRICS_NAMESPACE: "KinesisJwtPipeline",
    });
    // The consumer gets Lambda's own retry limits, to derive its park limits below them (park-limits.ts).
    const mapping = ofType(dev, "AWS::Lambda::EventSourceMapping")[0]![1].Properties as Record<
      string,
      unknown
    >;
    expect(Number(vars.KJP_LAMBDA_MAXIMUM_RETRY_ATTEMPTS)).toBe(mapping.MaximumRetryAttempts);
    expect(Number(vars.KJP_LAMBDA_MAXIMUM_RECORD_AGE_SECONDS)).toBe(mapping.MaximumRecordAgeInSeconds);
    expect(vars).toHaveProperty("KJP_PARK_AFTER_ATTEMPTS");
    expect(vars).toHaveProperty("KJP_PARK_AFTER_AGE_SECONDS");
    expect(JSON.parse(String(vars.KJP_ISSUERS))).toEqual([
      { issuer: "crm-rails", keys: "ssm:/kjp/dev/jwks" },
      { issuer: "crm-http-api", keys: "ssm:/kjp/dev/http-jwks" },
    ]);
    const rules = ofType(dev, "AWS::Events::Rule").map(([, r]) => r.Properties);
    expect(rules).toEqual([
      expect.objectContaining({
        ScheduleExpression: "rate(5 minutes)",
        Targets: [expect.objectContaining({ Arn: { "Fn::GetAtt": ["ReplayLambdaFunction", "Arn"] } })],
      }),
    ]);
  });
});

describe("serverless package: log groups encrypted with the service's KMS key (issue 10, item 4)", () => {
  it("gives both function log groups the key, keeps their retention, and lets CloudWatch Logs use it for them alone", () => {
    for (const id of ["ConsumerLogGroup", "ReplayLogGroup"]) {
      const group = resource(dev, id).Properties;
      expect(group.KmsKeyId).toEqual({ "Fn::GetAtt": ["LogsKey", "Arn"] });
      expect(group.RetentionInDays).toEqual(expect.any(Number));
      expect(String(group.LogGroupName)).toMatch(/^\/aws\/lambda\/kinesis-jwt-pipeline-dev-/);
    }
    const key = resource(dev, "LogsKey").Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const policy = key.KeyPolicy as { Statement: Array<Record<string, unknown>> };
    const logs = policy.Statement.find((s) => JSON.stringify(s.Principal).includes("logs."));
    expect(logs).toBeDefined();
    expect(logs!.Action).toEqual(
      expect.arrayContaining(["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"]),
    );
    expect(JSON.stringify(logs!.Condition)).toContain("kms:EncryptionContext:aws:logs:arn");
    expect(JSON.stringify(logs!.Condition)).toContain("log-group:/aws/lambda/kinesis-jwt-pipeline-dev-*");
  });
});

describe("serverless package: least-privilege IAM", () => {
  it("gives each function its own role and creates no shared default role", () => {
    expect(dev.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(resource(dev, "ConsumerLambdaFunction").Properties.Role).toEqual({
      "Fn::GetAtt": ["ConsumerRole", "Arn"],
    });
    expect(resource(dev, "ReplayLambdaFunction").Properties.Role).toEqual({
      "Fn::GetAtt": ["ReplayRole", "Arn"],
    });
  });

  it("uses no wildcard actions and no unscoped resources", () => {
    for (const [id] of ofType(dev, "AWS::IAM::Role")) {
      for (const s of statements(dev, id)) {
        for (const action of actions(s)) expect(action).not.toMatch(/\*/);
        const text = JSON.stringify(s.Resource);
        expect(text).not.toBe('"*"');
        // Wildcards only as a suffix inside one named resource: log streams of one group, objects of one bucket.
        for (const star of text.matchAll(/[^"]*\*/g))
          expect(star[0]).toMatch(/(log-group:\/aws\/lambda\/[A-Za-z0-9-]+:\*|\.Arn\}\/\*)$/);
      }
    }
  });

  it("lets the consumer read exactly its stream, write its tables, report failures and read its key set", () => {
    const byId = Object.fromEntries(statements(dev, "ConsumerRole").map((s) => [s.Sid, s]));
    expect(actions(byId.ReadStream!).sort()).toEqual(
      [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kinesis:SubscribeToShard",
      ].sort(),
    );
    expect(byId.ReadStream!.Resource).toEqual({ "Fn::GetAtt": ["EventStream", "Arn"] });
    expect(actions(byId.LedgerAndProjections!).sort()).toEqual(
      [
        "dynamodb:BatchGetItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ].sort(),
    );
    expect(byId.LedgerAndProjections!.Resource).toEqual([
      { "Fn::GetAtt": ["LedgerTable", "Arn"] },
      { "Fn::Sub": "${LedgerTable.Arn}/index/failures" },
      { "Fn::GetAtt": ["ProjectionsTable", "Arn"] },
    ]);
    expect(byId.OnFailureDestination).toMatchObject({
      Action: "sqs:SendMessage",
      Resource: { "Fn::GetAtt": ["OnFailureQueue", "Arn"] },
    });
    expect(byId.KeySet).toMatchObject({
      Action: "ssm:GetParameter",
      // The Rails app's key set and the HTTP API's (it signs the notes browsers post).
      Resource: [
        { "Fn::Sub": expect.stringMatching(/:parameter\/kjp\/dev\/jwks$/) },
        { "Fn::Sub": expect.stringMatching(/:parameter\/kjp\/dev\/http-jwks$/) },
      ],
    });
    expect(actions(byId.Logs!)).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
    const all = statements(dev, "ConsumerRole").flatMap(actions);
    expect(
      all.filter((a) =>
        /^(dynamodb:(DeleteTable|Scan|CreateTable)|kinesis:Put|sqs:(Receive|Delete))/.test(a),
      ),
    ).toEqual([]);
  });
});

describe("serverless package: alarms and data protection", () => {
  it("alarms on iterator age, rejected records, parked keys and on-failure queue depth", () => {
    const alarms = Object.fromEntries(
      ofType(dev, "AWS::CloudWatch::Alarm").map(([id, r]) => [id, r.Properties]),
    );
    expect(Object.keys(alarms).sort()).toEqual([
      "IteratorAgeAlarm",
      "OnFailureQueueDepthAlarm",
      "ParkedKeysAlarm",
      "RejectedRecordsAlarm",
    ]);
    expect(alarms.ParkedKeysAlarm).toMatchObject({
      Namespace: "KinesisJwtPipeline",
      MetricName: "parkedKeys",
      Statistic: "Maximum",
      Threshold: 1,
    });
    expect(alarms.IteratorAgeAlarm).toMatchObject({
      Namespace: "AWS/Kinesis",
      MetricName: "GetRecords.IteratorAgeMilliseconds",
      Dimensions: [{ Name: "StreamName", Value: { Ref: "EventStream" } }],
      Statistic: "Maximum",
      Threshold: 60000,
    });
    expect(alarms.RejectedRecordsAlarm).toMatchObject({
      Namespace: "KinesisJwtPipeline",
      MetricName: "rejected",
      Statistic: "Sum",
    });
    expect(alarms.OnFailureQueueDepthAlarm).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": ["OnFailureQueue", "QueueName"] } }],
    });
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toEqual([{ Ref: "AlarmTopic" }]);
  });

  it("gives operators a console policy that reads the ledger, its indexes and the metrics, and writes nothing", () => {
    const document = resource(dev, "OperatorConsoleReadPolicy").Properties.PolicyDocument as {
      Statement: Array<{ Action: string | string[] }>;
    };
    const actions = document.Statement.flatMap((st) => [st.Action].flat()).sort();
    expect(actions).toEqual([
      "cloudwatch:GetMetricData",
      "dynamodb:BatchGetItem",
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:Scan",
    ]);
  });

  it("declares both tables on-demand with PITR and SSE, the ledger with TTL, the sparse failures index and the activity index", () => {
    for (const id of ["LedgerTable", "ProjectionsTable"]) {
      expect(resource(dev, id).Properties).toMatchObject({
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    }
    const ledger = resource(dev, "LedgerTable").Properties;
    expect(ledger.TimeToLiveSpecification).toEqual({ AttributeName: "ttl", Enabled: true });
    expect(ledger.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: "failures",
        KeySchema: [
          { AttributeName: "failureStatus", KeyType: "HASH" },
          { AttributeName: "failedAt", KeyType: "RANGE" },
        ],
      }),
      expect.objectContaining({
        IndexName: "activity",
        KeySchema: [
          { AttributeName: "activityBucket", KeyType: "HASH" },
          { AttributeName: "updatedAt", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["status", "type", "reason"] },
      }),
    ]);
    expect(resource(dev, "ProjectionsTable").Properties.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(resource(dev, "EventStream").Properties.StreamEncryption).toEqual({
      EncryptionType: "KMS",
      KeyId: "alias/aws/kinesis",
    });
    expect(resource(dev, "OnFailureQueue").Properties.SqsManagedSseEnabled).toBe(true);
  });

  it("serves the HTTP path: a cached request authorizer on every route, CORS for the Rails origin only", () => {
    const authorizer = resource(dev, "HttpApiAuthorizerAccessToken").Properties;
    expect(authorizer).toMatchObject({
      AuthorizerType: "REQUEST",
      IdentitySource: ["$request.header.Authorization"],
      AuthorizerResultTtlInSeconds: 300,
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: "2.0",
    });
    const routes = ofType(dev, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(["GET /accounts/{id}/pipeline", "POST /notes"]);
    for (const r of routes) expect(r).toMatchObject({ AuthorizationType: "CUSTOM" });
    expect(resource(dev, "HttpApi").Properties.CorsConfiguration).toMatchObject({
      AllowOrigins: ["https://crm.example.com"],
      AllowMethods: ["GET", "POST"],
    });
    // Least privilege: the read route only queries projections; the note route only puts to the stream.
    expect(statements(dev, "AccountPipelineRole").map((s) => s.Action)).toEqual([
      "dynamodb:Query",
      expect.anything(),
    ]);
    expect(statements(dev, "PostNoteRole")[0]!.Action).toBe("kinesis:PutRecords");
  });
});
