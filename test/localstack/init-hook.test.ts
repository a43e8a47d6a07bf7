import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { logsClient } from "../../lib/aws/logs-client.js";
import { s3Client } from "../../lib/aws/s3-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { loadServiceDefinition } from "../../dev/service-definition/service-definition.js";
import { projectRoot } from "../../lib/util/project-root.js";

/**
 * docker-compose.yml's init hook (localstack/init/ready.d/10-kjp-resources.sh), run for real against
 * LocalStack, twice (it must be idempotent), with `awslocal` played by the AWS CLI that LocalStack's venv
 * ships. Its stage is its own, so it cannot lean on what the suite's set-up already created; the resources
 * must have serverless.yml's `local` shapes.
 */
const endpoint = process.env.AWS_ENDPOINT_URL;
if (!endpoint) throw new Error("test/localstack runs against LocalStack: use `npm run test:localstack`");

const root = projectRoot();
const run = promisify(execFile);
const STAGE = `hook${process.pid}`;
const local = loadServiceDefinition({ stage: "local" });
const named = (name: string) => name.replace(`${local.service}-local`, `${local.service}-${STAGE}`);
let bin: string;

async function runHook(): Promise<string> {
  const { stdout } = await run("bash", [join(root, "localstack/init/ready.d/10-kjp-resources.sh")], {
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      KJP_STAGE: STAGE,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_DEFAULT_REGION: process.env.AWS_REGION ?? "us-east-1",
    },
    timeout: 190_000,
  });
  return stdout;
}

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), "kjp-awslocal-"));
  writeFileSync(
    join(bin, "awslocal"),
    `#!/bin/sh\nexec ${JSON.stringify(join(root, ".venv-localstack/bin/aws"))} --endpoint-url ${JSON.stringify(endpoint)} "$@"\n`,
  );
  chmodSync(join(bin, "awslocal"), 0o755);
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

test("the init hook creates serverless.yml's local resources, and runs again cleanly over them", async () => {
  expect(await runHook()).toContain(`kjp: resources for stage ${STAGE} ready`);
  expect(await runHook()).toContain(`kjp: resources for stage ${STAGE} ready`);

  const kinesis = kinesisClient();
  const dynamodb = dynamoDbClient();
  const sqs = sqsClient();
  const s3 = s3Client();
  const logs = logsClient();
  try {
    for (const s of local.streams) {
      const { StreamDescriptionSummary: d } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: named(s.name) }),
      );
      expect([d?.StreamStatus, d?.OpenShardCount]).toEqual(["ACTIVE", s.shardCount]);
    }
    for (const t of local.tables) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: named(t.name) }));
      expect(Table?.KeySchema).toEqual(t.keySchema);
      expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema]) ?? []).toEqual(
        t.globalSecondaryIndexes.map((i) => [i.IndexName, i.KeySchema]),
      );
      if (t.ttlAttribute) {
        const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: named(t.name) }));
        expect(ttl.TimeToLiveDescription).toMatchObject({
          TimeToLiveStatus: "ENABLED",
          AttributeName: t.ttlAttribute,
        });
      }
    }
    for (const q of local.queues) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: named(q.name) }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }),
      );
      expect(Attributes).toMatchObject(q.attributes);
      if (q.redrive) {
        const dlq = local.queues.find((d) => d.logicalId === q.redrive?.deadLetterQueue);
        expect(JSON.parse(Attributes?.RedrivePolicy ?? "{}")).toMatchObject({
          deadLetterTargetArn: expect.stringMatching(new RegExp(`:${named(dlq?.name ?? "?")}$`)),
          maxReceiveCount: q.redrive.maxReceiveCount,
        });
      }
    }
    for (const b of local.buckets)
      await expect(s3.send(new HeadBucketCommand({ Bucket: named(b.name) }))).resolves.toBeDefined();
    for (const f of local.functions) {
      const { logGroups } = await logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: named(f.logGroup) }),
      );
      expect(logGroups?.map((g) => g.logGroupName)).toEqual([named(f.logGroup)]);
    }
  } finally {
    for (const c of [kinesis, dynamodb, sqs, s3, logs]) c.destroy();
  }
}, 400_000);
