import { readFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";

export type LoadHandler = () => Promise<
  (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>
>;

export interface InvokeCommandDeps {
  out: (text: string) => void;
  /** Default: the real consumer handler, imported only when the command runs (it reads its config at import). */
  loadHandler: LoadHandler;
}

const defaultLoadHandler: LoadHandler = async () => (await import("../../handlers/consumer.js")).handler;

/** A Lambda context good enough for Powertools: names this as a local invocation. */
export function localContext(): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "kjp-consumer-local",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:kjp-consumer-local",
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/kjp-consumer-local",
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, 900_000 - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function parseKinesisEvent(text: string, file: string): KinesisStreamEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(
      `${file} is not JSON`,
      'pass a Kinesis event as AWS documents it: {"Records":[{"kinesis":{...}}]}',
      cause,
    );
  }
  const records = (parsed as { Records?: unknown })?.Records;
  if (
    !Array.isArray(records) ||
    records.some(
      (r) =>
        typeof (r as { kinesis?: { data?: unknown; sequenceNumber?: unknown } })?.kinesis?.sequenceNumber !==
        "string",
    )
  ) {
    throw new ConfigurationError(
      `${file} is not a Kinesis event`,
      'expected {"Records":[{"eventID":…,"kinesis":{"partitionKey","sequenceNumber","data"}}]}',
    );
  }
  return parsed as KinesisStreamEvent;
}

/**
 * `kjp invoke --event FILE.json`: runs the consumer handler once on a Kinesis event, against the endpoints
 * and settings of the environment (AWS_ENDPOINT_URL_DYNAMODB, KJP_*), and prints its response (after the
 * handler's own JSON log and EMF lines).
 */
export function register(program: Command, deps: Partial<InvokeCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  program
    .command("invoke")
    .description(
      "run the consumer handler locally on a Kinesis event file and print its response (batchItemFailures)",
    )
    .requiredOption("--event <file>", "a Kinesis event JSON file (the shape Lambda passes)")
    .action(async (opts: { event: string }) => {
      let text: string;
      try {
        text = await readFile(opts.event, "utf8");
      } catch (cause) {
        throw new ConfigurationError(
          `cannot read ${opts.event}`,
          "pass the path of a Kinesis event JSON file",
          cause,
        );
      }
      const event = parseKinesisEvent(text, opts.event);
      const handler = await (deps.loadHandler ?? defaultLoadHandler)();
      const response = await handler(event, localContext());
      out(`${JSON.stringify(response, null, 2)}\n`);
    });
}
