import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { KjpError } from "../../lib/errors/kjp-error.js";
import { kinesisPutRecords } from "../../lib/producer/kinesis-transport.js";
import { scanLedger } from "./ledger-scan.js";
import type { StackKind } from "../localstack/as-stack.js";
import { startPipelineSession, type PipelineSession } from "./pipeline-session.js";
import { createProgress } from "./progress.js";
import { publishWorkload } from "./publish-workload.js";
import { reconcile, type DemoSummary } from "./reconcile.js";
import { formatSummary } from "./summary-table.js";
import { exerciseHttpApi } from "./http-check.js";
import { planWorkload } from "./workload.js";
import type { ConsumerTally } from "./observed-metrics.js";
import { DEFAULT_DEMO_MESSAGES } from "./demo-size.js";

export interface DemoOptions {
  /** Records to put on the stream, duplicates included (default 500: about a second of kinesis-mock). */
  messages?: number;
  /** Partition keys (accounts) to spread them over (default 50). */
  accounts?: number;
  seed?: number;
  /** Leave the stack and runner up and wait for SIGINT/SIGTERM (or `until`) before shutting down. */
  keep?: boolean;
  /** For --keep without a signal (tests): shut down when this settles. */
  until?: Promise<unknown>;
  /** Where the run's keys are written (default .kjp/demo). */
  keysDir?: string;
  /** What to start when the environment points at no stack (default embedded). */
  stack?: StackKind;
  /** Progress bars (default: stderr is a terminal). */
  tty?: boolean;
  drainTimeoutMs?: number;
  /** Human-readable lines (default: console.log). */
  log?: (line: string) => void;
}

export interface DemoResult {
  summary: DemoSummary;
  /** 0 reconciled, 1 not reconciled, 130 interrupted. */
  exitCode: number;
  reusedStack: boolean;
  consumer: ConsumerTally;
  runner: { invocations: number; retries: number; discardedRecords: number; errors: number };
  timings: { startMs: number; publishMs: number; drainMs: number; totalMs: number };
}

export class DemoInterruptedError extends KjpError {
  constructor(signal: string) {
    super("interrupted", `the demo was interrupted (${signal}); the stack was shut down`);
  }
}

/** SIGINT/SIGTERM become one rejection every long step races against; listeners are removed by `dispose`. */
function interruption(log: (line: string) => void) {
  const controller = new AbortController();
  let fire: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<never>((_, reject) => {
    fire = (signal) => reject(new DemoInterruptedError(signal));
  });
  signalled.catch(() => undefined);
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) log(`${signal}: stopping the publisher, the runner and the stack...`);
    controller.abort();
    fire(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    race: <T>(work: Promise<T>): Promise<T> => Promise.race([work, signalled]),
    signalled,
    abortSignal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/**
 * `npm start`: the whole pipeline on the local stack. Boots (or reuses) the stack, starts the runner with the
 * real consumer, publishes a mixed workload through the Publisher, drains, and reconciles what was published
 * against the ledger and the consumer's own counts. Emulators are always stopped, on error or signal too.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const messages = options.messages ?? DEFAULT_DEMO_MESSAGES;
  const plan = planWorkload({
    messages,
    ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const signals = interruption(log);
  const starting = startPipelineSession({
    log,
    ...(options.keysDir ? { keysDir: options.keysDir } : {}),
    ...(options.stack ? { stack: options.stack } : {}),
  });
  let session: PipelineSession | undefined;
  try {
    session = await signals.race(starting).catch(async (error: unknown) => {
      // Interrupted while the stack was still coming up: stop it once it is up.
      if (error instanceof DemoInterruptedError)
        await starting.then(
          (s) => s.stop(),
          () => undefined,
        );
      throw error;
    });
    const { runner, consumer, resources } = session;
    const problems: string[] = [];
    runner.on("problem", (p) => {
      if (problems.length < 5)
        log(`runner problem (${p.where}): ${(p.error as Error)?.message ?? String(p.error)}`);
      problems.push(p.where);
    });

    const total = plan.messages.length + plan.duplicates.length;
    log(
      `Publishing ${total} records over ${plan.accounts.length} accounts to ${resources.env.KJP_STREAM_NAME}: ` +
        Object.entries(plan.counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(", "),
    );
    const progress = createProgress(total, { tty: options.tty ?? Boolean(process.stderr.isTTY), log });
    let published = 0;
    const finished = () => consumer.processed + consumer.duplicate + consumer.rejected;
    const onBatch = () => progress.update(published, finished());
    runner.on("batch", onBatch);

    const kinesis = kinesisClient({ maxAttempts: 1 });
    let publishMs: number;
    let drainMs: number;
    let summary: DemoSummary;
    let publishing: ReturnType<typeof publishWorkload> | undefined;
    try {
      publishing = publishWorkload(plan, {
        signers: session.keys.signers,
        putRecords: kinesisPutRecords(kinesis, { streamName: resources.env.KJP_STREAM_NAME ?? "" }),
        signal: signals.abortSignal,
        onProgress: (n) => {
          published = n;
          progress.update(published, finished());
        },
      });
      const result = await signals.race(publishing);
      publishMs = result.ms;
      const drainStarted = Date.now();
      try {
        await signals.race(runner.drain({ timeoutMs: options.drainTimeoutMs ?? 120_000 + messages * 20 }));
      } catch (error) {
        // Reconcile anyway: the summary then shows which records the consumer never finished.
        if (!(error instanceof KjpError && error.code === "runner_drain_timeout")) throw error;
        log(`The consumer did not catch up: ${error.message}`);
      }
      drainMs = Date.now() - drainStarted;
      progress.update(published, finished());
      progress.stop();
      runner.off("batch", onBatch);

      const dynamodb = dynamoDbClient();
      try {
        const ledger = await signals.race(scanLedger(dynamodb, resources.env.KJP_LEDGER_TABLE ?? ""));
        summary = reconcile({ records: result.records, ledger, consumer, ledgerIsOurs: !session.reused });
      } finally {
        dynamodb.destroy();
      }
    } finally {
      progress.stop();
      // Interrupted: let the abandoned publisher's last request finish before its client goes.
      await publishing?.catch(() => undefined);
      kinesis.destroy();
    }

    log("");
    log(
      `Published ${summary.published} records in ${publishMs} ms (${Math.round((summary.published * 1000) / Math.max(1, publishMs))}/s); ` +
        `consumer caught up ${drainMs} ms later (${runner.stats.invocations} invocations, ${runner.stats.retries} retries)`,
    );
    for (const line of formatSummary(summary)) log(line);
    // The summary is the workload's: the HTTP check's note is counted by the consumer after this.
    const workloadTally = { ...consumer };
    let httpOk = true;
    if (session.httpApi) {
      log("");
      const http = await signals.race(
        exerciseHttpApi({
          url: session.httpApi.url,
          audience: session.httpApi.audience,
          keysDir: session.keys.dir,
          origin: session.httpApi.allowedOrigins[0] ?? "http://localhost:3000",
          log,
        }),
      );
      httpOk = http.ok;
    }

    if (options.keep) {
      log("");
      log("The stack and the runner stay up (--keep). In another shell:");
      log(`  source ${session.envFile}   then e.g.  npx kjp failures --limit 20`);
      log("Press Ctrl-C to stop.");
      const keepAlive = setInterval(() => undefined, 1 << 30);
      try {
        await Promise.race([signals.signalled, options.until ?? new Promise(() => undefined)]).catch(
          () => undefined,
        );
      } finally {
        clearInterval(keepAlive);
      }
    }
    const stopping = Date.now();
    await session.stop();
    if (!session.reused) log(`Stack stopped in ${Date.now() - stopping} ms.`);
    return {
      summary,
      exitCode: summary.reconciled && httpOk ? 0 : 1,
      reusedStack: session.reused,
      consumer: workloadTally,
      runner: {
        invocations: runner.stats.invocations,
        retries: runner.stats.retries,
        discardedRecords: runner.stats.discardedRecords,
        errors: runner.stats.errors,
      },
      timings: { startMs: session.startMs, publishMs, drainMs, totalMs: Date.now() - started },
    };
  } finally {
    signals.dispose();
    await session?.stop();
  }
}
