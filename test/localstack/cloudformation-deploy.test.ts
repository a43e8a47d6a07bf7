import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type StackResource,
} from "@aws-sdk/client-cloudformation";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { s3Client } from "../../lib/aws/s3-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { packageStage } from "../../dev/localstack/serverless-package.js";
import { withoutLambdaFunctions, type TemplateLike } from "../../dev/localstack/without-lambda.js";

/**
 * The CloudFormation `serverless package` writes, deployed into LocalStack's CloudFormation (run by
 * `npm run test:localstack`, which points AWS_ENDPOINT_URL there): a template error shows here before a real
 * deploy. The prod stage with on-failure to S3 is the one with every resource (the bucket is conditional).
 * Functions are left out: Community LocalStack cannot create one without Docker (it needs a runtime
 * container), and so is whatever refers to them (the event source mapping, the replay schedule).
 */
const endpoint = process.env.AWS_ENDPOINT_URL;
if (!endpoint) throw new Error("test/localstack runs against LocalStack: use `npm run test:localstack`");

const sdk = { endpoint, region: process.env.AWS_REGION ?? "us-east-1" };
const cfn = new CloudFormationClient(sdk);
const iam = new IAMClient(sdk);
const kinesis = kinesisClient();
const dynamodb = dynamoDbClient();
const sqs = sqsClient();
const s3 = s3Client();
const StackName = `kjp-cfn-check-${process.pid}`;
let scratch: string;
let template: TemplateLike;
let removed: string[];
let resources: StackResource[];

async function waitForStack(): Promise<string> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName }));
    const status = Stacks?.[0]?.StackStatus ?? "UNKNOWN";
    if (!status.endsWith("_IN_PROGRESS") || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "kjp-cfn-deploy-"));
  const packaged = await packageStage(scratch, "prod", ["--param", "onFailureDestination=s3"]);
  ({ template, removed } = withoutLambdaFunctions(packaged.template as TemplateLike));
  await cfn.send(
    new CreateStackCommand({
      StackName,
      TemplateBody: JSON.stringify(template),
      Capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    }),
  );
  const status = await waitForStack();
  if (status !== "CREATE_COMPLETE") {
    const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName }));
    const failed = (StackEvents ?? [])
      .filter((e) => e.ResourceStatus?.endsWith("FAILED"))
      .map((e) => `${e.LogicalResourceId}: ${e.ResourceStatusReason}`);
    throw new Error(`stack ${StackName} ended ${status}:\n${failed.join("\n")}`);
  }
  resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName }))).StackResources ?? [];
}, 240_000);

afterAll(async () => {
  await cfn.send(new DeleteStackCommand({ StackName })).catch(() => undefined);
  for (const c of [cfn, iam, kinesis, dynamodb, sqs, s3]) c.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

const physical = (type: string) =>
  resources.filter((r) => r.ResourceType === type).map((r) => r.PhysicalResourceId ?? "");
const property = (id: string, name: string) => String(template.Resources[id]?.Properties?.[name]);

test("only the functions and what refers to them are left out", () => {
  expect(removed).toEqual([
    "AccessTokenLambdaAuthorizerPermissionHttpApi",
    "AccountPipelineLambdaFunction",
    "AccountPipelineLambdaPermissionHttpApi",
    "AuthorizerLambdaFunction",
    "ConsumerEventSourceMappingKinesisEventStream",
    "ConsumerLambdaFunction",
    // The HTTP API's authorizer, integrations and routes point at functions, so they go with them.
    "HttpApiAuthorizerAccessToken",
    "HttpApiIntegrationAccountPipeline",
    "HttpApiIntegrationPostNote",
    "HttpApiRouteGetAccountsIdVarPipeline",
    "HttpApiRoutePostNotes",
    "PostNoteLambdaFunction",
    "PostNoteLambdaPermissionHttpApi",
    "ReplayEventsRuleSchedule1",
    "ReplayLambdaFunction",
    "ReplayLambdaPermissionEventsRuleSchedule1",
  ]);
});

test("every resource of the template is created", () => {
  expect(resources.map((r) => [r.LogicalResourceId, r.ResourceStatus]).sort()).toEqual(
    Object.keys(template.Resources)
      .map((id) => [id, "CREATE_COMPLETE"])
      .sort(),
  );
});

test("the stream, the tables, the queues and the bucket exist under serverless.yml's names", async () => {
  const stream = await kinesis.send(
    new DescribeStreamSummaryCommand({ StreamName: property("EventStream", "Name") }),
  );
  // Not its retention: LocalStack's stream resource leaves it at the default 24 h.
  expect(stream.StreamDescriptionSummary?.StreamStatus).toBe("ACTIVE");
  for (const id of ["LedgerTable", "ProjectionsTable"]) {
    const table = await dynamodb.send(new DescribeTableCommand({ TableName: property(id, "TableName") }));
    expect(table.Table?.TableStatus).toBe("ACTIVE");
  }
  for (const id of ["OnFailureQueue", "ReplayDlq"])
    expect(
      (await sqs.send(new GetQueueUrlCommand({ QueueName: property(id, "QueueName") }))).QueueUrl,
    ).toContain(property(id, "QueueName"));
  await expect(
    s3.send(new HeadBucketCommand({ Bucket: "kinesis-jwt-pipeline-prod-onfailure-000000000000" })),
  ).resolves.toBeDefined();
});

test("the alarms and the roles exist", async () => {
  const alarms = physical("AWS::CloudWatch::Alarm");
  // Iterator age, rejected records, parked keys, on-failure queue depth.
  expect(alarms).toHaveLength(4);
  // Only CloudFormation's word for the alarms: today's CloudWatch SDK speaks a protocol (JSON) that
  // LocalStack 4.4 does not answer.
  for (const alarm of alarms) expect(alarm).toMatch(/Alarm/);
  const roles = physical("AWS::IAM::Role");
  // One role per function: consumer, replay, authorizer, account pipeline, post note.
  expect(roles).toHaveLength(5);
  for (const RoleName of roles)
    expect((await iam.send(new GetRoleCommand({ RoleName }))).Role?.AssumeRolePolicyDocument).toContain(
      "lambda.amazonaws.com",
    );
});
