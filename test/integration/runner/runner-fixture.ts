import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { kinesisClient } from "../../../lib/aws/kinesis-client.js";
import { logsClient } from "../../../lib/aws/logs-client.js";
import { s3Client } from "../../../lib/aws/s3-client.js";
import { sqsClient } from "../../../lib/aws/sqs-client.js";
import { EventSourceMappingRunner, type RunnerOptions } from "../../../dev/runner/runner.js";
import { AWS_DEFAULTS, type StreamEventSettings } from "../../../dev/service-definition/stream-event.js";

/**
 * Per-test resources on the shared integration stack: a stream of its own (created and deleted by the test),
 * a queue of its own, a temporary checkpoint folder, and runners that are always stopped at the end.
 */
export const clients = { kinesis: kinesisClient(), sqs: sqsClient(), s3: s3Client(), logs: logsClient() };

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

export function settings(overrides: Partial<StreamEventSettings> = {}): StreamEventSettings {
  return {
    functionKey: "consumer",
    functionName: uniqueName("kjp-runner-test"),
    enabled: true,
    batchSize: 10,
    maximumBatchingWindowInSeconds: 0,
    maximumRetryAttempts: AWS_DEFAULTS.maximumRetryAttempts,
    maximumRecordAgeInSeconds: AWS_DEFAULTS.maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    startingPosition: "TRIM_HORIZON",
    timeoutSeconds: 30,
    memorySizeMb: 1024,
    ...overrides,
  };
}

export interface Fixture {
  streamName: string;
  streamArn: string;
  queueUrl: string;
  stateDir: string;
  runner(
    options: Omit<RunnerOptions, "streamName" | "stateDir" | "clients"> &
      Partial<Pick<RunnerOptions, "stateDir">>,
  ): EventSourceMappingRunner;
  /** Puts records (one PutRecords call per 500), returns their sequence numbers in put order. */
  put(records: Array<{ key: string; data: string }>): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function createFixture(shards = 1): Promise<Fixture> {
  const streamName = uniqueName("kjp-runner");
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  let streamArn = "";
  for (let i = 0; ; i++) {
    const { StreamDescriptionSummary: d } = await clients.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    if (d?.StreamStatus === "ACTIVE") {
      streamArn = d.StreamARN ?? "";
      break;
    }
    if (i > 200) throw new Error(`stream ${streamName} did not become ACTIVE`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const { QueueUrl } = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: uniqueName("kjp-runner-onfailure") }),
  );
  const stateDir = await mkdtemp(join(tmpdir(), "kjp-runner-"));
  const runners: EventSourceMappingRunner[] = [];
  return {
    streamName,
    streamArn,
    queueUrl: QueueUrl ?? "",
    stateDir,
    runner(options) {
      const runner = new EventSourceMappingRunner({
        pollIntervalMs: 50,
        retryDelayMs: 20,
        logFlushIntervalMs: 200,
        onFailure: { type: "sqs", queueUrl: QueueUrl ?? "" },
        ...options,
        streamName,
        stateDir: options.stateDir ?? stateDir,
        clients,
      });
      runners.push(runner);
      return runner;
    },
    async put(records) {
      const sequenceNumbers: string[] = [];
      for (let i = 0; i < records.length; i += 500) {
        const chunk = records.slice(i, i + 500);
        const out = await clients.kinesis.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: chunk.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data) })),
          }),
        );
        if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records were not put`);
        sequenceNumbers.push(...(out.Records ?? []).map((r) => r.SequenceNumber ?? ""));
      }
      return sequenceNumbers;
    },
    async cleanup() {
      await Promise.allSettled(runners.map((r) => r.stop()));
      await Promise.allSettled([
        clients.kinesis.send(
          new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true }),
        ),
        clients.sqs.send(new DeleteQueueCommand({ QueueUrl })),
        rm(stateDir, { recursive: true, force: true }),
      ]);
    },
  };
}

/** Every message currently in the queue (moto makes them visible at once). */
export async function receiveAll(queueUrl: string, expected: number, timeoutMs = 5_000): Promise<unknown[]> {
  const bodies: unknown[] = [];
  const deadline = Date.now() + timeoutMs;
  while (bodies.length < expected && Date.now() < deadline) {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
      }),
    );
    bodies.push(...(out.Messages ?? []).map((m) => JSON.parse(m.Body ?? "null") as unknown));
    if (!out.Messages?.length) await new Promise((r) => setTimeout(r, 100));
  }
  return bodies;
}

export const decode = (data: string) => Buffer.from(data, "base64").toString("utf8");
