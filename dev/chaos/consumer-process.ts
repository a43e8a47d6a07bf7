import { join } from "node:path";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { logsClient } from "../../lib/aws/logs-client.js";
import { s3Client } from "../../lib/aws/s3-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { requiredSetting } from "../../lib/config/env.js";
import { createConsumerHandler } from "../../lib/pipeline/consumer-handler.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { lambdaRuntimeEnv } from "../runner/function-env.js";
import { EventSourceMappingRunner } from "../runner/runner.js";
import type { ShardEvent } from "../runner/shard-poller.js";
import { readStreamEventSettings } from "../service-definition/stream-event.js";
import { chaosConsumerDeps, chaosProcessors } from "./consumer-wiring.js";
import { withInjectedErrors } from "./processor-faults.js";

/** Messages between the chaos run and this process (Node IPC). */
export type ConsumerCommand = { cmd: "drain"; timeoutMs: number } | { cmd: "stop" };
export type ConsumerReply =
  | { reply: "started" }
  | { reply: "drained"; ok: boolean; error?: string; stats: Record<string, number> }
  | { reply: "stopped" };

/**
 * The chaos run's consumer: the Lambda Kinesis event source mapping (dev/runner) calling the consumer handler
 * built by the chaos wiring, in a process of its own so the run can SIGKILL it mid-batch. Its checkpoints live in
 * KJP_CHAOS_CHECKPOINTS, so a new process resumes where the killed one had committed, as Lambda does.
 */
export async function main(): Promise<number> {
  const env = process.env;
  const send = (m: ConsumerReply) => process.send?.(m);
  // The run that started this process is gone (killed, crashed): nothing will ever stop it otherwise.
  process.on("disconnect", () => process.exit(1));
  const dynamodb = dynamoDbClient();
  const processors = withInjectedErrors(chaosProcessors(), {
    errorRate: Number(env.KJP_CHAOS_ERROR_RATE ?? "0"),
    stickyFile: requiredSetting(env, "KJP_CHAOS_STICKY_FILE", "set by the chaos run"),
  });
  const settings = readStreamEventSettings(join(projectRoot(), "serverless.yml"), { stage: "local" });
  const handler = createConsumerHandler(
    chaosConsumerDeps({ ...env, ...lambdaRuntimeEnv(settings) }, dynamodb, { processors }),
  );
  const clients = { kinesis: kinesisClient(), sqs: sqsClient(), s3: s3Client(), logs: logsClient() };
  const newRunner = () => {
    const r = new EventSourceMappingRunner({
      clients,
      handler,
      settings,
      stateDir: requiredSetting(env, "KJP_CHAOS_CHECKPOINTS", "set by the chaos run"),
      // Poll as Lambda does, not faster: the machine is shared with the emulators and producers.
      pollIntervalMs: 500,
      // The function's log lines (START/END/REPORT and the consumer's own) go to consumer.log with the runner's
      // events below: when a run fails, the run directory says what each invocation did.
      echoLogs: true,
    });
    r.on("problem", (p) =>
      console.error(`runner problem (${p.where}${p.shardId ? ` ${p.shardId}` : ""}): ${String(p.error)}`),
    );
    const at = () => new Date().toISOString();
    r.on("retry", (e: ShardEvent & { type: "retry" }) =>
      console.error(`${at()} runner retry ${e.shardId}: ${e.size} record(s), retry ${e.retries}`),
    );
    r.on("bisect", (e: ShardEvent & { type: "bisect" }) =>
      console.error(`${at()} runner bisect ${e.shardId}: ${e.size} record(s)`),
    );
    r.on("discard", (e: ShardEvent & { type: "discard" }) =>
      console.error(`${at()} runner discard ${e.shardId}: ${e.size} record(s), ${e.condition}`),
    );
    return r;
  };
  // Lambda's event source mapping keeps trying while the stream cannot be read; the runner's start() gives up at
  // once, so a process started during a Kinesis outage tries again here (a runner starts only once: a new one).
  let runner = newRunner();
  for (let attempt = 1; ; attempt++) {
    try {
      await runner.start();
      break;
    } catch (error) {
      if (attempt >= 60) throw error;
      console.error(`runner start (attempt ${attempt}): ${String(error)}`);
      await new Promise((r) => setTimeout(r, 2_000));
      runner = newRunner();
    }
  }
  send({ reply: "started" });
  await new Promise<void>((resolve) => {
    process.on("message", (m: ConsumerCommand) => {
      if (m.cmd === "drain") {
        runner.drain({ timeoutMs: m.timeoutMs }).then(
          () => send({ reply: "drained", ok: true, stats: { ...runner.stats } }),
          (error: unknown) =>
            send({ reply: "drained", ok: false, error: String(error), stats: { ...runner.stats } }),
        );
      } else if (m.cmd === "stop") {
        runner
          .stop()
          .catch((error: unknown) => console.error(`runner stop: ${String(error)}`))
          .finally(() => {
            // Exit once the reply is out: the SDK clients' sockets must not keep this process alive.
            process.send?.({ reply: "stopped" } satisfies ConsumerReply, () => process.exit(0));
            resolve();
          });
      }
    });
  });
  return 0;
}
