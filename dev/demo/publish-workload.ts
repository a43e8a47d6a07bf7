import type { PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import type { Signer } from "../../lib/envelope/sign.js";
import { KjpError, TransientError } from "../../lib/errors/kjp-error.js";
import { Publisher } from "../../lib/producer/publisher.js";
import type { PutRecordsFn } from "../../lib/producer/types.js";
import { RoutingSigner } from "./routing-signer.js";
import type { DemoKind, DemoPlan, ExpectedOutcome, SigningIdentity } from "./workload.js";

/** One record the demo put on the stream, where Kinesis stored it, and what should become of it. */
export interface PublishedRecord {
  jti: string;
  kind: DemoKind;
  expected: ExpectedOutcome;
  partitionKey: string;
  shardId: string;
  sequenceNumber: string;
}

export interface PublishWorkloadDeps {
  signers: Record<SigningIdentity, Signer>;
  /** The Kinesis transport (kinesisPutRecords): the Publisher's, and the one the raw duplicates go through. */
  putRecords: PutRecordsFn;
  /** Called with the number of records Kinesis has acknowledged so far. */
  onProgress?: (acknowledged: number) => void;
  /** Stops publishing: queued messages are abandoned, so no request outlives an interrupted demo. */
  signal?: AbortSignal;
}

export interface PublishWorkloadResult {
  records: PublishedRecord[];
  ms: number;
  publisher: { requests: number; retried: number };
}

/**
 * Publishes the plan's messages through the Publisher, then puts each duplicate: the very token of an
 * already acknowledged message, raw, through the same transport (a re-send the way a producer retry after
 * a lost acknowledgement would make one). Throws if Kinesis did not take every record: the reconciliation
 * would otherwise compare against records that never reached the stream.
 */
export async function publishWorkload(
  plan: DemoPlan,
  deps: PublishWorkloadDeps,
): Promise<PublishWorkloadResult> {
  const started = Date.now();
  const signer = new RoutingSigner(deps.signers, plan.messages);
  let acknowledged = 0;
  const publisher = new Publisher({
    signer,
    putRecords: deps.putRecords,
    // No validator: the invalid payloads are meant to reach the consumer and be rejected there.
    lingerMs: 20,
    onEvent: (event) => {
      if (event.type === "acknowledged") deps.onProgress?.(++acknowledged);
    },
  });
  const records: PublishedRecord[] = [];
  const failures: string[] = [];
  const acks: Promise<void>[] = [];
  const abandon = () => void publisher.close(0);
  deps.signal?.addEventListener("abort", abandon, { once: true });
  try {
    for (const m of plan.messages) {
      if (deps.signal?.aborted) break;
      const receipt = await publisher.publish(m.request);
      acks.push(
        receipt.acknowledged.then(
          (ack) => {
            records.push({
              jti: m.request.jti,
              kind: m.kind,
              expected: m.expected,
              partitionKey: ack.partitionKey,
              shardId: ack.shardId,
              sequenceNumber: ack.sequenceNumber,
            });
          },
          (error: unknown) => {
            failures.push(`${m.request.jti}: ${(error as Error).message}`);
          },
        ),
      );
    }
    await Promise.all(acks);
  } finally {
    deps.signal?.removeEventListener("abort", abandon);
    await publisher.close(deps.signal?.aborted ? 0 : 10_000);
  }
  if (deps.signal?.aborted) throw new KjpError("interrupted", "publishing was interrupted");
  if (failures.length > 0) {
    throw new TransientError(
      "demo_publish_failed",
      `${failures.length} demo message(s) were not accepted by Kinesis (first: ${failures[0]})`,
      { hint: "Check the kinesis-mock log under .kjp/logs." },
    );
  }

  const originals = new Map(records.map((r) => [r.jti, r]));
  const entries = plan.duplicates.map((d) => {
    const original = originals.get(d.of);
    const token = signer.token(d.of);
    if (!original || !token) throw new KjpError("demo_plan", `duplicate of unknown message ${d.of}`);
    return { original, entry: { Data: Buffer.from(token, "ascii"), PartitionKey: original.partitionKey } };
  });
  const positions = await putRaw(
    deps.putRecords,
    entries.map((e) => e.entry),
  );
  entries.forEach(({ original }, i) => {
    const at = positions[i]!;
    records.push({ ...original, kind: "duplicate", expected: { status: "duplicate" }, ...at });
    deps.onProgress?.(++acknowledged);
  });
  const stats = publisher.stats();
  return {
    records,
    ms: Date.now() - started,
    publisher: { requests: stats.requests, retried: stats.retried },
  };
}

/** PutRecords for a handful of raw records, resending only the entries Kinesis failed. */
async function putRaw(
  putRecords: PutRecordsFn,
  entries: PutRecordsRequestEntry[],
  attempts = 6,
): Promise<{ shardId: string; sequenceNumber: string }[]> {
  const out: ({ shardId: string; sequenceNumber: string } | undefined)[] = entries.map(() => undefined);
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    const pending = out.flatMap((p, i) => (p ? [] : [i]));
    if (pending.length === 0) return out as { shardId: string; sequenceNumber: string }[];
    if (attempt > attempts)
      throw new TransientError(
        "demo_publish_failed",
        `${pending.length} duplicate record(s) were not accepted by Kinesis`,
      );
    for (let start = 0; start < pending.length; start += 500) {
      const chunk = pending.slice(start, start + 500);
      const result = await putRecords(chunk.map((i) => entries[i]!)).catch(() => undefined);
      result?.Records?.forEach((r, j) => {
        if (r.ShardId && r.SequenceNumber)
          out[chunk[j]!] = { shardId: r.ShardId, sequenceNumber: r.SequenceNumber };
      });
    }
  }
}
