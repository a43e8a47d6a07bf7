import { CreateLogGroupCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { logsClient } from "../../lib/aws/logs-client.js";
import { s3Client } from "../../lib/aws/s3-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import type {
  BucketDefinition,
  QueueDefinition,
  ServiceDefinition,
  StreamDefinition,
  TableDefinition,
} from "../service-definition/service-definition.js";
import { KjpError } from "../../lib/errors/kjp-error.js";

export interface ResourceClients {
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
}

export interface CreatedResources {
  streams: Record<string, { name: string; arn: string }>;
  tables: Record<string, { name: string; arn: string }>;
  queues: Record<string, { name: string; url: string; arn: string }>;
  buckets: Record<string, { name: string }>;
  logGroups: string[];
  /** What this call actually created ("stream:name", ...): empty on a second run. */
  created: string[];
  /** For tests and local tools: KJP_LEDGER_TABLE, KJP_PROJECTIONS_TABLE, KJP_STREAM_NAME, KJP_STREAM_ARN, queue URLs. */
  env: Record<string, string>;
}

export interface CreateResourcesOptions {
  /** How long to wait for each resource to become ACTIVE. */
  timeoutMs?: number;
}

/** Clients from lib/aws/*-client.ts, pointed wherever AWS_ENDPOINT_URL_* say (the local stack, LocalStack). */
export function defaultResourceClients(): ResourceClients {
  return {
    kinesis: kinesisClient(),
    dynamodb: dynamoDbClient(),
    sqs: sqsClient(),
    s3: s3Client(),
    logs: logsClient(),
  };
}

export function destroyResourceClients(clients: ResourceClients): void {
  for (const client of Object.values(clients)) (client as { destroy(): void }).destroy();
}

const errorName = (error: unknown) => (error as { name?: string } | undefined)?.name ?? "";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new KjpError("resource_not_ready", `${what} did not become ACTIVE within ${timeoutMs} ms`, {
        retryable: true,
        hint: "Check the emulator's log under .kjp/logs.",
      });
    }
    await sleep(delay);
  }
}

async function ensureStream(
  kinesis: KinesisClient,
  s: StreamDefinition,
  created: string[],
  timeoutMs: number,
) {
  try {
    await kinesis.send(
      new CreateStreamCommand({
        StreamName: s.name,
        StreamModeDetails: { StreamMode: s.mode },
        ...(s.mode === "PROVISIONED" ? { ShardCount: s.shardCount ?? 1 } : {}),
      }),
    );
    created.push(`stream:${s.name}`);
  } catch (error) {
    if (errorName(error) !== "ResourceInUseException") throw error;
  }
  const summary = await waitFor(`Kinesis stream ${s.name}`, timeoutMs, async () => {
    const { StreamDescriptionSummary: d } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: s.name }),
    );
    return d?.StreamStatus === "ACTIVE" ? d : undefined;
  });
  if (s.retentionHours && s.retentionHours > (summary.RetentionPeriodHours ?? 24)) {
    await kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({
        StreamName: s.name,
        RetentionPeriodHours: s.retentionHours,
      }),
    );
    await waitFor(`Kinesis stream ${s.name} retention`, timeoutMs, async () => {
      const { StreamDescriptionSummary: d } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: s.name }),
      );
      return d?.StreamStatus === "ACTIVE" ? d : undefined;
    });
  }
  return { name: s.name, arn: summary.StreamARN ?? "" };
}

async function ensureTable(
  dynamodb: DynamoDBClient,
  t: TableDefinition,
  created: string[],
  timeoutMs: number,
) {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: t.name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: t.attributeDefinitions,
        KeySchema: t.keySchema,
        ...(t.globalSecondaryIndexes.length ? { GlobalSecondaryIndexes: t.globalSecondaryIndexes } : {}),
      }),
    );
    created.push(`table:${t.name}`);
  } catch (error) {
    if (errorName(error) !== "ResourceInUseException") throw error;
  }
  const active = () =>
    waitFor(`DynamoDB table ${t.name}`, timeoutMs, async () => {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: t.name }));
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
      return Table?.TableStatus === "ACTIVE" && indexesActive ? Table : undefined;
    });
  let table = await active();
  // A table left by an older serverless.yml: add the indexes it now declares rather than failing later at Query time.
  for (const index of t.globalSecondaryIndexes) {
    if ((table.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === index.IndexName)) continue;
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: t.name,
        AttributeDefinitions: t.attributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    created.push(`index:${t.name}/${index.IndexName}`);
    table = await active();
  }
  if (t.ttlAttribute) {
    const { TimeToLiveDescription: ttl } = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: t.name }),
    );
    if (ttl?.TimeToLiveStatus !== "ENABLED" && ttl?.TimeToLiveStatus !== "ENABLING") {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: t.name,
          TimeToLiveSpecification: { AttributeName: t.ttlAttribute, Enabled: true },
        }),
      );
    }
  }
  return { name: t.name, arn: table.TableArn ?? "" };
}

async function ensureQueue(sqs: SQSClient, q: QueueDefinition, created: string[]) {
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: q.name }))).QueueUrl;
  } catch (error) {
    if (!/NonExistentQueue|QueueDoesNotExist/.test(errorName(error))) throw error;
  }
  if (url) {
    // Existing queue: bring its attributes in line instead of failing on CreateQueue's attribute mismatch.
    if (Object.keys(q.attributes).length)
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: q.attributes }));
  } else {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: q.name, Attributes: q.attributes }))).QueueUrl;
    created.push(`queue:${q.name}`);
  }
  if (!url)
    throw new KjpError("resource_not_ready", `SQS returned no URL for ${q.name}`, { retryable: true });
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  return { name: q.name, url, arn: Attributes?.QueueArn ?? "" };
}

async function ensureBucket(s3: S3Client, b: BucketDefinition, region: string, created: string[]) {
  // us-east-1 answers CreateBucket on one's own bucket with success, so ask first to report `created` truthfully.
  const exists = await s3.send(new HeadBucketCommand({ Bucket: b.name })).then(
    () => true,
    (error: unknown) => {
      if (["NotFound", "NoSuchBucket"].includes(errorName(error))) return false;
      throw error;
    },
  );
  if (exists) return { name: b.name };
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: b.name,
        ...(region === "us-east-1"
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
    );
    created.push(`bucket:${b.name}`);
  } catch (error) {
    if (!["BucketAlreadyOwnedByYou", "BucketAlreadyExists"].includes(errorName(error))) throw error;
  }
  return { name: b.name };
}

async function ensureLogGroup(logs: CloudWatchLogsClient, name: string, created: string[]) {
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    created.push(`logGroup:${name}`);
  } catch (error) {
    if (errorName(error) !== "ResourceAlreadyExistsException") throw error;
  }
  return name;
}

async function byLogicalId<D extends { logicalId: string }, R>(
  defs: D[],
  make: (d: D) => Promise<R>,
): Promise<Record<string, R>> {
  const made = await Promise.all(defs.map(async (d) => [d.logicalId, await make(d)] as const));
  return Object.fromEntries(made);
}

/**
 * Creates what serverless.yml declares (streams, tables with their indexes and TTL, queues with their redrive,
 * buckets, the functions' log groups) and waits until each is usable. Idempotent: a second run creates nothing
 * and changes nothing that is already right. Conditions are ignored locally: optional resources (the S3
 * on-failure bucket) are always created, so every destination can be exercised.
 */
export async function createResources(
  definition: ServiceDefinition,
  clients: ResourceClients = defaultResourceClients(),
  options: CreateResourcesOptions = {},
): Promise<CreatedResources> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const created: string[] = [];
  const [streams, tables, queues, buckets, logGroups] = await Promise.all([
    byLogicalId(definition.streams, (s) => ensureStream(clients.kinesis, s, created, timeoutMs)),
    byLogicalId(definition.tables, (t) => ensureTable(clients.dynamodb, t, created, timeoutMs)),
    byLogicalId(definition.queues, (q) => ensureQueue(clients.sqs, q, created)),
    byLogicalId(definition.buckets, (b) => ensureBucket(clients.s3, b, definition.region, created)),
    Promise.all(definition.functions.map((f) => ensureLogGroup(clients.logs, f.logGroup, created))),
  ]);

  for (const q of definition.queues) {
    if (!q.redrive) continue;
    const dlq = queues[q.redrive.deadLetterQueue];
    const queue = queues[q.logicalId];
    if (!dlq || !queue)
      throw new KjpError(
        "configuration",
        `${q.logicalId} redrives to unknown queue ${q.redrive.deadLetterQueue}`,
      );
    const RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: q.redrive.maxReceiveCount,
    });
    await clients.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { RedrivePolicy } }),
    );
  }

  return {
    streams,
    tables,
    queues,
    buckets,
    logGroups,
    created,
    env: resourceEnv({ streams, tables, queues, buckets }),
  };
}

/** The variables local tools and tests use to find the resources (names follow serverless.yml's logical ids). */
function resourceEnv(
  r: Pick<CreatedResources, "streams" | "tables" | "queues" | "buckets">,
): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => {
    if (value) env[name] = value;
  };
  set("KJP_LEDGER_TABLE", r.tables.LedgerTable?.name);
  set("KJP_PROJECTIONS_TABLE", r.tables.ProjectionsTable?.name);
  set("KJP_STREAM_NAME", r.streams.EventStream?.name);
  set("KJP_STREAM_ARN", r.streams.EventStream?.arn);
  set("KJP_ONFAILURE_QUEUE_URL", r.queues.OnFailureQueue?.url);
  set("KJP_ONFAILURE_QUEUE_ARN", r.queues.OnFailureQueue?.arn);
  set("KJP_REPLAY_DLQ_URL", r.queues.ReplayDlq?.url);
  set("KJP_ONFAILURE_BUCKET", r.buckets.OnFailureBucket?.name);
  return env;
}
