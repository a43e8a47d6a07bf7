/**
 * npm run bench:producers — the producers' figures (issue 5, "Measure"):
 * - Ruby gem: caller-thread `publish` latency (p50, p99 µs) and sustained msgs/s with ES256 signing, from
 *   producers/ruby/bench/publish_bench.rb (an in-memory acknowledging client: the gem's own cost);
 * - TypeScript Publisher: acknowledged msgs/s into kinesis-mock (ES256 signing, real PutRecords over HTTP),
 *   with strictOrder on (the default, the headline figure) and off (an extra figure).
 *
 * Env: BENCH_RUBY_MESSAGES (default: the Ruby script's 20,000), BENCH_TS_MESSAGES (1,000), BENCH_TS_KEYS (50),
 * AWS_ENDPOINT_URL_KINESIS (use a running Kinesis instead of starting kinesis-mock).
 * The last line is one JSON object:
 * {"ruby_publish_p50_us":..,"ruby_publish_p99_us":..,"ruby_msgs_per_s":..,"ts_msgs_per_s":..}
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { kinesisClient } from "../lib/aws/kinesis-client.js";
import { generateSigningKey } from "../lib/envelope/signing-keys.js";
import { createSigner } from "../lib/envelope/sign.js";
import { ConfigurationError, KjpError } from "../lib/errors/kjp-error.js";
import { startKinesisMock } from "../dev/local/kinesis-mock.js";
import { kinesisPutRecords } from "../lib/producer/kinesis-transport.js";
import { measurePublisherThroughput, type ThroughputResult } from "../lib/producer/throughput.js";
import { projectRoot } from "../lib/util/project-root.js";
import { dealStageChangedV1 } from "../schemas/deal-stage-changed.v1.js";

interface RubyFigures {
  ruby_publish_p50_us: number;
  ruby_publish_p99_us: number;
  ruby_msgs_per_s: number;
}

const TS_MESSAGES = Number(process.env.BENCH_TS_MESSAGES ?? 1_000);
const TS_KEYS = Number(process.env.BENCH_TS_KEYS ?? 50);

/** Runs the gem's bench; its lines are echoed, its last line parsed. */
async function rubyBench(): Promise<RubyFigures> {
  const args = ["-Iproducers/ruby/lib", "producers/ruby/bench/publish_bench.rb"];
  if (process.env.BENCH_RUBY_MESSAGES) args.push(process.env.BENCH_RUBY_MESSAGES);
  const child = spawn("ruby", args, { cwd: projectRoot(), stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    process.stdout.write(chunk.replace(/^(?=.)/gm, "  ruby| "));
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new ConfigurationError("ruby is not installed", "Run producers/ruby/script/install-deps.", error)
          : error,
      ),
    );
    child.on("close", resolve);
  });
  if (code !== 0)
    throw new KjpError("bench_failed", `the Ruby bench exited with ${code}`, {
      hint: "Its gems come from producers/ruby/script/install-deps.",
    });
  const last = stdout.trim().split("\n").at(-1) ?? "";
  const parsed = JSON.parse(last) as Partial<RubyFigures>;
  for (const key of ["ruby_publish_p50_us", "ruby_publish_p99_us", "ruby_msgs_per_s"] as const)
    if (typeof parsed[key] !== "number")
      throw new KjpError("bench_failed", `the Ruby bench printed no ${key}: ${last}`);
  return parsed as RubyFigures;
}

async function createStream(client: KinesisClient, name: string): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  for (let i = 0; i < 200; i++) {
    const { StreamDescriptionSummary: s } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (s?.StreamStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new KjpError("bench_failed", `stream ${name} did not become ACTIVE`);
}

/** The TS Publisher into kinesis-mock, ES256, strictOrder on then off. */
async function typescriptBench(): Promise<{ strict: ThroughputResult; relaxed: ThroughputResult }> {
  const mock = process.env.AWS_ENDPOINT_URL_KINESIS ? undefined : await startKinesisMock();
  // The SDK finds the endpoint the project's usual way (lib/aws/client-settings.ts).
  if (mock) process.env.AWS_ENDPOINT_URL_KINESIS = mock.endpoint;
  // The publisher resends failed entries itself; SDK retries would resend whole batches.
  const client = kinesisClient({ maxAttempts: 1 });
  try {
    const { privateJwk } = await generateSigningKey("ES256", "bench-ts");
    const signer = await createSigner({ privateJwk, issuer: "bench-ts", audience: "kjp-bench" });
    const data = dealStageChangedV1.example as unknown as Record<string, unknown>;
    const run = async (strictOrder: boolean) => {
      const stream = `kjp-bench-producers-${randomBytes(3).toString("hex")}`;
      await createStream(client, stream);
      return measurePublisherThroughput(
        { signer, putRecords: kinesisPutRecords(client, { streamName: stream }), strictOrder },
        {
          messages: TS_MESSAGES,
          keys: TS_KEYS,
          message: (_i, key) => ({ type: "deal.stage_changed", v: 1, data: { ...data }, sub: key }),
        },
      );
    };
    const strict = await run(true);
    const relaxed = await run(false);
    return { strict, relaxed };
  } finally {
    client.destroy();
    await mock?.stop();
  }
}

async function main(): Promise<void> {
  console.log("Ruby gem (producers/ruby/bench/publish_bench.rb):");
  const ruby = await rubyBench();
  console.log(`TypeScript Publisher into kinesis-mock: ${TS_MESSAGES} messages over ${TS_KEYS} keys, ES256`);
  const ts = await typescriptBench();
  const describe = (r: ThroughputResult) =>
    `${r.perSecond} msgs/s (${r.seconds} s, ${r.requests} PutRecords requests, ${r.retried} retried, ${r.failed} failed)`;
  console.log(`  strictOrder on (default): ${describe(ts.strict)}`);
  console.log(`  strictOrder off:          ${describe(ts.relaxed)}`);
  if (ts.strict.failed > 0 || ts.relaxed.failed > 0)
    throw new KjpError("bench_failed", "some messages were not acknowledged: the figure would be wrong");
  console.log(
    JSON.stringify({
      ruby_publish_p50_us: ruby.ruby_publish_p50_us,
      ruby_publish_p99_us: ruby.ruby_publish_p99_us,
      ruby_msgs_per_s: ruby.ruby_msgs_per_s,
      ts_msgs_per_s: ts.strict.perSecond,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof KjpError ? error.toString() : error);
  process.exitCode = 1;
});
