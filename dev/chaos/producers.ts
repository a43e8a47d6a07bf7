import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { createSigner } from "../../lib/envelope/sign.js";
import { kinesisPutRecords } from "../../lib/producer/kinesis-transport.js";
import { Publisher } from "../../lib/producer/publisher.js";
import type { Acknowledgement } from "../../lib/producer/types.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { CHAOS_ISSUERS, type ChaosKeys } from "./chaos-keys.js";
import type { HostileRecord } from "./hostile-records.js";
import { SEQUENCED_TYPE, type SequencedData } from "./sequenced-message.js";

/** One message of the workload: the n-th of its key, from the producer that owns the key. */
export type PlannedMessage = SequencedData & { producer: "ts" | "gem" };

/** The TypeScript publisher (lib/producer), writing through the outage proxy. */
export class TsProducer {
  private readonly publisher: Publisher;
  private readonly client: KinesisClient;
  readonly acknowledgements: Promise<Acknowledgement | Error>[] = [];

  private constructor(publisher: Publisher, client: KinesisClient) {
    this.publisher = publisher;
    this.client = client;
  }

  static async start(keys: ChaosKeys, audience: string, endpoint: string, streamName: string) {
    const signer = await createSigner({ privateJwk: keys.ts, issuer: CHAOS_ISSUERS.ts, audience });
    const client = kinesisClient({ endpoint, requestTimeoutMs: 5_000, maxAttempts: 1 });
    // Longer than any outage the run injects (a kinesis-mock restart on a loaded machine cuts writers off for
    // minutes): the publisher's own retries must carry every message through.
    const publisher = new Publisher({
      signer,
      putRecords: kinesisPutRecords(client, { streamName }),
      retryDeadlineMs: 900_000,
      lingerMs: 50,
    });
    return new TsProducer(publisher, client);
  }

  async publish(m: PlannedMessage): Promise<void> {
    const receipt = await this.publisher.publish({
      type: SEQUENCED_TYPE,
      v: 1,
      data: { key: m.key, seq: m.seq, producer: "ts" },
      sub: m.key,
      partitionKey: m.key,
    });
    this.acknowledgements.push(receipt.acknowledged.catch((e: unknown) => e as Error));
  }

  /** Waits for every acknowledgement; returns how many failed. */
  async finish(): Promise<{ acknowledged: number; failed: number; firstError?: string }> {
    await this.publisher.close(900_000);
    const results = await Promise.all(this.acknowledgements);
    const errors = results.filter((r): r is Error => r instanceof Error);
    this.client.destroy();
    return {
      acknowledged: results.length - errors.length,
      failed: errors.length,
      ...(errors[0] ? { firstError: errors[0].message } : {}),
    };
  }
}

export interface GemResult {
  published: number;
  acknowledged: number;
  spilled: number;
  resent: number;
  dropped: number;
  exitCode: number | null;
  stderr: string;
}

/** The Rails gem in a Ruby process (dev/chaos/gem-publish.rb), fed messages on stdin as the run goes. */
export class GemProducer {
  private stderr = "";
  private stdout = "";
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  static start(keys: ChaosKeys, audience: string, endpoint: string, streamName: string, journal: string) {
    const child = spawn(
      "ruby",
      [
        join(projectRoot(), "dev", "chaos", "gem-publish.rb"),
        ...["--endpoint", endpoint, "--stream", streamName, "--issuer", CHAOS_ISSUERS.gem],
        ...["--audience", audience, "--key", keys.gemKeyPath, "--journal", journal],
        // Resending a journal of thousands of records into a loaded kinesis-mock takes minutes.
        ...["--drain-timeout", "900"],
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    return new GemProducer(child);
  }

  async publish(m: PlannedMessage): Promise<void> {
    const line = `${JSON.stringify({
      type: SEQUENCED_TYPE,
      v: 1,
      data: { key: m.key, seq: m.seq, producer: "gem" },
      partition_key: m.key,
      sub: m.key,
    })}\n`;
    if (!this.child.stdin!.write(line))
      await new Promise<void>((resolve) => this.child.stdin!.once("drain", () => resolve()));
  }

  async finish(): Promise<GemResult> {
    this.child.stdin!.end();
    const exitCode = await this.exited;
    const last = this.stdout.trim().split("\n").at(-1) ?? "{}";
    let counts: Record<string, number> = {};
    try {
      counts = JSON.parse(last) as Record<string, number>;
    } catch {
      /* the process died: the counts stay 0 and the exit code says so */
    }
    return {
      published: counts.published ?? 0,
      acknowledged: counts.acknowledged ?? 0,
      spilled: counts.spilled ?? 0,
      resent: counts.resent ?? 0,
      dropped: counts.dropped ?? 0,
      exitCode,
      stderr: this.stderr,
    };
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

/** Where a hostile record landed. */
export type PlacedHostile = HostileRecord & { shardId: string; sequenceNumber: string };

/** Puts hostile records straight on the stream (no producer would send them), one PutRecord each. */
export async function putHostile(
  client: KinesisClient,
  streamName: string,
  records: HostileRecord[],
): Promise<{ placed: PlacedHostile[]; notPlaced: HostileRecord[] }> {
  const out = await client.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: records.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
    }),
  );
  const placed: PlacedHostile[] = [];
  const notPlaced: HostileRecord[] = [];
  (out.Records ?? []).forEach((e, i) => {
    if (e.ShardId && e.SequenceNumber)
      placed.push({ ...records[i]!, shardId: e.ShardId, sequenceNumber: e.SequenceNumber });
    else notPlaced.push(records[i]!);
  });
  return { placed, notPlaced };
}
