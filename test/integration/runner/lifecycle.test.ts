import { readFile } from "node:fs/promises";
import { DescribeStreamSummaryCommand, SplitShardCommand } from "@aws-sdk/client-kinesis";
import {
  GetLogEventsCommand,
  DeleteLogGroupCommand,
  DescribeLogStreamsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KinesisStreamEvent } from "aws-lambda";
import { checkpointPath } from "../../../dev/runner/checkpoint-store.js";
import { EventSourceMappingRunner } from "../../../dev/runner/runner.js";
import { projectRoot } from "../../../lib/util/project-root.js";
import { clients, createFixture, decode, settings, type Fixture } from "./runner-fixture.js";

/** Through the runner against kinesis-mock and moto: checkpoints across a restart, logs, parallelization. */
let fx: Fixture;
beforeEach(async () => {
  fx = await createFixture();
});
afterEach(() => fx.cleanup());

const dataOf = (event: KinesisStreamEvent) => event.Records.map((r) => decode(r.kinesis.data));

describe("EventSourceMappingRunner: lifecycle", () => {
  it("a restart resumes from its checkpoint: nothing lost, no acknowledged record delivered twice", async () => {
    const total = 30;
    await fx.put(Array.from({ length: total }, (_, i) => ({ key: `k${i % 4}`, data: `m${i}` })));
    const s = settings({ batchSize: 5 });

    // First run: acknowledges batch 1 whole and the first two records of batch 2, then is stopped.
    const acknowledged: string[] = [];
    const firstDeliveries: string[] = [];
    let stopping: Promise<void> | undefined;
    const first = fx.runner({
      settings: s,
      handler: async (event) => {
        const data = dataOf(event);
        firstDeliveries.push(...data);
        if (firstDeliveries.length <= 5) {
          acknowledged.push(...data);
          return;
        }
        acknowledged.push(...data.slice(0, 2));
        stopping = first.stop(); // stop() lets this batch finish and writes its checkpoint
        return {
          batchItemFailures: [{ itemIdentifier: event.Records[2]?.kinesis.sequenceNumber as string }],
        };
      },
    });
    await first.start();
    await waitFor(() => stopping !== undefined);
    await stopping;
    expect(acknowledged).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6"]);
    const onDisk = JSON.parse(
      await readFile(checkpointPath(fx.stateDir, fx.streamName, s.functionName), "utf8"),
    ) as {
      shards: Record<string, { sequenceNumber: string }>;
    };
    expect(Object.keys(onDisk.shards)).toEqual(["shardId-000000000000"]);

    // Second run, same state folder: starts right after m6.
    const secondDeliveries: string[] = [];
    const second = fx.runner({
      settings: s,
      handler: async (event) => void secondDeliveries.push(...dataOf(event)),
    });
    await second.start();
    await second.drain({ timeoutMs: 20_000 });

    expect(secondDeliveries).toEqual(Array.from({ length: total - 7 }, (_, i) => `m${i + 7}`));
    expect(new Set([...acknowledged, ...secondDeliveries]).size).toBe(total);
    expect(acknowledged.filter((d) => secondDeliveries.includes(d))).toEqual([]);
  });

  it("ships the function's output and START/END/REPORT lines to /aws/lambda/<function name>", async () => {
    await fx.put([{ key: "a", data: "hello" }]);
    const s = settings();
    const runner = fx.runner({
      settings: s,
      handler: async (event, context) => {
        console.log("processing %d record(s)", event.Records.length);
        process.stdout.write(
          `${JSON.stringify({ level: "INFO", message: "structured", requestId: context.awsRequestId })}\n`,
        );
        console.error("a warning-ish line");
      },
    });
    let requestId = "";
    runner.on("batch", (b) => (requestId = b.requestId));
    await runner.start();
    await runner.drain({ timeoutMs: 20_000 });
    await runner.stop();

    const logGroupName = `/aws/lambda/${s.functionName}`;
    try {
      const streams = await clients.logs.send(new DescribeLogStreamsCommand({ logGroupName }));
      expect(streams.logStreams?.map((l) => l.logStreamName)).toEqual([runner.logStreamName]);
      expect(runner.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
      const { events } = await clients.logs.send(
        new GetLogEventsCommand({ logGroupName, logStreamName: runner.logStreamName, startFromHead: true }),
      );
      const lines = (events ?? []).map((e) => e.message ?? "");
      expect(lines[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`);
      expect(lines[1]).toMatch(new RegExp(`^\\S+Z\\t${requestId}\\tINFO\\tprocessing 1 record\\(s\\)$`));
      expect(JSON.parse(lines[2] ?? "{}")).toEqual({ level: "INFO", message: "structured", requestId });
      expect(lines[3]).toMatch(new RegExp(`\\t${requestId}\\tERROR\\ta warning-ish line$`));
      expect(lines[4]).toBe(`END RequestId: ${requestId}`);
      expect(lines[5]).toMatch(
        new RegExp(
          `^REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 1024 MB\\tMax Memory Used: \\d+ MB`,
        ),
      );
      expect(lines).toHaveLength(6);
    } finally {
      await clients.logs.send(new DeleteLogGroupCommand({ logGroupName })).catch(() => undefined);
    }
  });

  it("with a parallelization factor, runs batches of different keys concurrently and keeps each key in order", async () => {
    const keys = ["a", "b", "c", "d", "e", "f"];
    const put = Array.from({ length: 60 }, (_, i) => ({
      key: keys[i % keys.length] as string,
      data: `${keys[i % keys.length]}:${i}`,
    }));
    await fx.put(put);
    const seen = new Map<string, number[]>();
    let inFlight = 0;
    let maxInFlight = 0;
    const runner = fx.runner({
      settings: settings({ batchSize: 5, parallelizationFactor: 3 }),
      handler: async (event) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        for (const d of dataOf(event)) {
          const [key, n] = d.split(":") as [string, string];
          seen.set(key, [...(seen.get(key) ?? []), Number(n)]);
        }
        inFlight--;
      },
    });
    await runner.start();
    await runner.drain({ timeoutMs: 20_000 });

    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    for (const key of keys) {
      const expected = put.filter((p) => p.key === key).map((p) => Number(p.data.split(":")[1]));
      expect(seen.get(key)).toEqual(expected);
    }
  });
});

describe("EventSourceMappingRunner: several shards", () => {
  it("keeps one batch in flight per shard and never mixes shards in a batch", async () => {
    const two = await createFixture(2);
    try {
      const put = Array.from({ length: 40 }, (_, i) => ({ key: `key-${i}`, data: `m${i}` }));
      await two.put(put);
      const inFlight = new Map<string, number>();
      let maxPerShard = 0;
      let maxOverall = 0;
      const delivered: string[] = [];
      const runner = two.runner({
        settings: settings({ batchSize: 4 }),
        handler: async (event) => {
          const shards = new Set(event.Records.map((r) => r.eventID.split(":")[0] as string));
          expect(shards.size).toBe(1);
          const shard = [...shards][0] as string;
          inFlight.set(shard, (inFlight.get(shard) ?? 0) + 1);
          maxPerShard = Math.max(maxPerShard, inFlight.get(shard) ?? 0);
          maxOverall = Math.max(
            maxOverall,
            [...inFlight.values()].reduce((a, b) => a + b, 0),
          );
          await new Promise((r) => setTimeout(r, 15));
          delivered.push(...dataOf(event));
          inFlight.set(shard, (inFlight.get(shard) ?? 1) - 1);
        },
      });
      await runner.start();
      await runner.drain({ timeoutMs: 20_000 });
      expect(maxPerShard).toBe(1);
      expect(maxOverall).toBe(2);
      expect(delivered.sort()).toEqual(put.map((p) => p.data).sort());
      expect(Object.keys(runner.checkpointsByShard()).sort()).toEqual([
        "shardId-000000000000",
        "shardId-000000000001",
      ]);
    } finally {
      await two.cleanup();
    }
  });
});

describe("EventSourceMappingRunner: resharding", () => {
  it("reads a split shard's children only after the parent is done, keeping each key in order", async () => {
    const keys = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const before = keys.map((key, i) => ({ key, data: `${key}:${i}` }));
    const after = keys.map((key, i) => ({ key, data: `${key}:${i + keys.length}` }));
    const seen: string[] = [];
    // Slow, one record per batch: the split and the new records land while the parent is still being worked on.
    const runner = fx.runner({
      settings: settings({ batchSize: 1 }),
      handler: async (event) => {
        await new Promise((r) => setTimeout(r, 40));
        seen.push(...dataOf(event));
      },
    });
    await fx.put(before);
    await runner.start();

    await clients.kinesis.send(
      new SplitShardCommand({
        StreamName: fx.streamName,
        ShardToSplit: "shardId-000000000000",
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    for (let i = 0; ; i++) {
      const { StreamDescriptionSummary: d } = await clients.kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: fx.streamName }),
      );
      if (d?.StreamStatus === "ACTIVE") break;
      if (i > 200) throw new Error("stream did not become ACTIVE after the split");
      await new Promise((r) => setTimeout(r, 50));
    }
    await fx.put(after);
    expect(seen.length).toBeLessThan(before.length);
    await runner.drain({ timeoutMs: 20_000 });

    expect([...seen].sort()).toEqual([...before, ...after].map((r) => r.data).sort());
    for (const key of keys) {
      const order = seen.filter((d) => d.startsWith(`${key}:`)).map((d) => Number(d.split(":")[1]));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    const status = runner.status();
    expect(status.find((s) => s.shardId === "shardId-000000000000")?.finished).toBe(true);
    expect(status.map((s) => s.shardId).sort()).toEqual([
      "shardId-000000000000",
      "shardId-000000000001",
      "shardId-000000000002",
    ]);
  });
});

describe("EventSourceMappingRunner: configured from serverless.yml", () => {
  it("reads the consumer's stream event and finds the declared on-failure queue by name", async () => {
    const delivered: string[] = [];
    const runner = EventSourceMappingRunner.fromServerlessYml(`${projectRoot()}/serverless.yml`, {
      stage: "local",
      // Its own stream (tests must not share one); everything else is serverless.yml's.
      streamName: fx.streamName,
      stateDir: fx.stateDir,
      pollIntervalMs: 50,
      shipLogs: false,
      handler: async (event) => void delivered.push(...dataOf(event)),
    });
    try {
      await fx.put([{ key: "a", data: "from-serverless-yml" }]);
      await runner.start();
      expect(runner.onFailureTarget).toBe(process.env.KJP_ONFAILURE_QUEUE_URL);
      expect(runner.functionName).toBe("kinesis-jwt-pipeline-local-consumer");
      await runner.drain({ timeoutMs: 20_000 });
      expect(delivered).toEqual(["from-serverless-yml"]);
    } finally {
      await runner.stop();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
