import { Publisher, type PublisherOptions } from "./publisher.js";
import type { PublishRequest } from "./types.js";

export interface ThroughputResult {
  messages: number;
  keys: number;
  strictOrder: boolean;
  seconds: number;
  /** Acknowledged messages per second, from the first publish() to the last acknowledgement. */
  perSecond: number;
  requests: number;
  retried: number;
  failed: number;
}

/**
 * Publishes `messages` messages spread round-robin over `keys` partition keys and measures the rate at
 * which they are acknowledged. For benchmarks (bench/), not tests: the figure depends on the transport.
 */
export async function measurePublisherThroughput(
  options: PublisherOptions,
  run: { messages: number; keys: number; message: (i: number, partitionKey: string) => PublishRequest },
): Promise<ThroughputResult> {
  const publisher = new Publisher(options);
  const started = performance.now();
  const acks: Promise<unknown>[] = [];
  for (let i = 0; i < run.messages; i++) {
    const key = `pk-${i % run.keys}`;
    const receipt = await publisher.publish({ ...run.message(i, key), partitionKey: key });
    acks.push(receipt.acknowledged.catch(() => undefined));
  }
  await Promise.all(acks);
  const seconds = (performance.now() - started) / 1000;
  await publisher.close(10_000);
  const s = publisher.stats();
  return {
    messages: run.messages,
    keys: run.keys,
    strictOrder: options.strictOrder ?? true,
    seconds: Math.round(seconds * 1000) / 1000,
    perSecond: Math.round(s.acknowledged / seconds),
    requests: s.requests,
    retried: s.retried,
    failed: s.failed,
  };
}
