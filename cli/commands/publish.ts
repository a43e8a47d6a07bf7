import { createInterface } from "node:readline";
import type { Command } from "commander";
import { ConfigurationError, KjpError, TransientError } from "../../lib/errors/kjp-error.js";
import { connectionProblem } from "../error-report.js";
import type { PublishReceipt, PublishRequest, PutRecordsFn } from "../../lib/producer/types.js";
import type { PayloadValidator } from "../../lib/envelope/types.js";
import { parseDuration } from "../../lib/config/env.js";
import { consumerAcceptedTtl, parseJsonObject, parsePositiveInt, readPrivateJwk } from "./cli-input.js";
import { optionalSetting } from "../../lib/config/env.js";

export interface PublishCommandDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** PutRecords for a stream name or ARN; default a Kinesis client from lib/aws/kinesis-client.ts. */
  transport: (stream: string) => PutRecordsFn | Promise<PutRecordsFn>;
  validator: PayloadValidator;
  setExitCode: (code: number) => void;
}

interface PublishOptions {
  type?: string;
  v?: string;
  data?: string;
  sub?: string;
  partitionKey?: string;
  jti?: string;
  stream?: string;
  key?: string;
  issuer?: string;
  audience?: string;
  ttl: string;
  validate: boolean;
  strictOrder: boolean;
  aggregate?: boolean;
  linger: string;
  timeout: string;
}

export interface PublishSummary {
  stream: string;
  read: number;
  published: number;
  acknowledged: number;
  failed: number;
  refused: number;
  retried: number;
  seconds: number;
  per_s: number;
}

// The SDK is loaded when the command runs, not for `kjp --help` or the other commands.
async function defaultTransport(stream: string): Promise<PutRecordsFn> {
  const { kinesisClient } = await import("../../lib/aws/kinesis-client.js");
  const { kinesisPutRecords } = await import("../../lib/producer/kinesis-transport.js");
  // The publisher does its own per-entry retries; SDK-level retries would only resend whole batches again.
  return kinesisPutRecords(
    kinesisClient({ maxAttempts: 1 }),
    stream.startsWith("arn:") ? { streamArn: stream } : { streamName: stream },
  );
}

/**
 * `kjp publish`: one message from the options, or JSON lines from stdin
 * (`{"type":..,"v":..,"data":{..},"sub":..,"partitionKey":..,"jti":..}` per line). Prints one JSON summary
 * line; exits 0 when every message was acknowledged, 1 when any was refused or failed, 2 on usage errors.
 */
export function register(program: Command, deps: Partial<PublishCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const err = deps.err ?? ((text: string) => void process.stderr.write(text));
  const env = deps.env ?? process.env;
  const setExitCode = deps.setExitCode ?? ((code: number) => void (process.exitCode = code));

  program
    .command("publish")
    .description(
      "sign messages and put them on the Kinesis stream (one from the options, or JSON lines from stdin)",
    )
    .option(
      "--type <type>",
      "message type, e.g. contact.upserted (without it, JSON lines are read from stdin)",
    )
    .option("--v <n>", "schema version of data")
    .option("--data <json>", "the payload, a JSON object")
    .option("--sub <sub>", "the entity the message is about (default partition key)")
    .option("--partition-key <key>", "Kinesis partition key (default: sub, else the jti)")
    .option("--jti <id>", "message id (default: a new UUIDv7)")
    .option("--stream <name>", "stream name or ARN [env KJP_STREAM]")
    .option("--key <file>", "the producer's private JWK file [env KJP_SIGNING_KEY]")
    .option("--issuer <iss>", "producer id (iss) [env KJP_ISSUER]")
    .option("--audience <aud>", "pipeline name (aud) [env KJP_AUDIENCE]")
    .option("--ttl <duration>", "token lifetime: 7d, 12h, 30m, 90s or seconds", "7d")
    .option("--no-validate", "skip validating data against the schema registry before signing")
    .option(
      "--no-strict-order",
      "allow several records of one partition key per request: much faster for a single hot key, but a retried record may land after a later one",
    )
    .option(
      "--aggregate",
      "KPL aggregation: the messages of one partition key sent together go as one Kinesis record (only for consumers that de-aggregate, as this pipeline's does)",
    )
    .option("--linger <ms>", "how long a partial batch waits for more messages", "100")
    .option(
      "--timeout <duration>",
      "how long to wait at the end for Kinesis to acknowledge everything",
      "60s",
    )
    .addHelpText(
      "after",
      `
JSON lines on stdin (one message per line):
  {"type":"contact.upserted","v":2,"data":{...},"sub":"acc_123","partitionKey":"acc_123","jti":"..."}

Prints one JSON summary line. Exit code 0 when every message was acknowledged, 1 when any was refused
or failed (each one is reported on stderr), 2 on a usage or configuration error.`,
    )
    .action(async (opts: PublishOptions) => {
      const stream = required(opts.stream ?? optionalSetting(env, "KJP_STREAM"), "--stream", "KJP_STREAM");
      const keyFile = required(
        opts.key ?? optionalSetting(env, "KJP_SIGNING_KEY"),
        "--key",
        "KJP_SIGNING_KEY",
      );
      const issuer = required(opts.issuer ?? optionalSetting(env, "KJP_ISSUER"), "--issuer", "KJP_ISSUER");
      const audience = required(
        opts.audience ?? optionalSetting(env, "KJP_AUDIENCE"),
        "--audience",
        "KJP_AUDIENCE",
      );
      const ttlSeconds = consumerAcceptedTtl(parseDuration(opts.ttl, "--ttl"), "--ttl", opts.ttl, env);
      const timeoutMs = parseDuration(opts.timeout, "--timeout") * 1000;
      const lingerMs = /^\d+$/.test(opts.linger) ? Number(opts.linger) : NaN;
      if (!Number.isSafeInteger(lingerMs))
        throw new ConfigurationError(`--linger "${opts.linger}" is not a number of milliseconds`);
      const single = singleMessage(opts);

      const { createSigner } = await import("../../lib/envelope/sign.js");
      const { Publisher } = await import("../../lib/producer/publisher.js");
      let signer;
      try {
        signer = await createSigner({
          privateJwk: await readPrivateJwk(keyFile),
          issuer,
          audience,
          ttlSeconds,
        });
      } catch (error) {
        if (error instanceof KjpError && !(error instanceof ConfigurationError))
          throw new ConfigurationError(error.message, error.hint, error);
        throw error;
      }

      // The publisher retries through connection errors until its deadline and then reports only that it
      // closed; the last request error is kept so the user is told why (e.g. the endpoint is not there).
      const put = await (deps.transport ?? defaultTransport)(stream);
      let lastRequestError: unknown;
      const publisher = new Publisher({
        signer,
        putRecords: async (records) => {
          try {
            return await put(records);
          } catch (error) {
            lastRequestError = error;
            throw error;
          }
        },
        validator: opts.validate
          ? (deps.validator ?? (await import("../../schemas/index.js")).registry)
          : undefined,
        lingerMs,
        strictOrder: opts.strictOrder,
        aggregate: opts.aggregate === true,
      });
      const started = performance.now();
      let read = 0;
      let refused = 0;
      const acks: Promise<unknown>[] = [];
      const submit = async (request: PublishRequest, where: string) => {
        read++;
        let receipt: PublishReceipt;
        try {
          receipt = await publisher.publish(request);
        } catch (error) {
          refused++;
          err(`${where}: refused: ${describe(error)}\n`);
          return;
        }
        acks.push(
          receipt.acknowledged.catch((error: unknown) =>
            err(`${where} (jti ${receipt.jti}): failed: ${describe(error)}\n`),
          ),
        );
      };

      if (single) {
        await submit(single, "message");
      } else {
        const lines = createInterface({ input: deps.stdin ?? process.stdin, crlfDelay: Infinity });
        let n = 0;
        for await (const line of lines) {
          n++;
          if (line.trim() === "") continue;
          const parsed = parseLine(line);
          if (typeof parsed === "string") {
            read++;
            refused++;
            err(`line ${n}: refused: ${parsed}\n`);
            continue;
          }
          await submit(parsed, `line ${n}`);
        }
      }

      const closed = await publisher.close(timeoutMs);
      await Promise.all(acks);
      const stats = publisher.stats();
      const seconds = (performance.now() - started) / 1000;
      const summary: PublishSummary = {
        stream,
        read,
        published: stats.published,
        acknowledged: stats.acknowledged,
        failed: stats.failed,
        refused,
        retried: stats.retried,
        seconds: Math.round(seconds * 1000) / 1000,
        per_s: seconds > 0 ? Math.round(stats.acknowledged / seconds) : 0,
      };
      out(`${JSON.stringify(summary)}\n`);
      if (!closed.drained)
        err(
          `timed out after ${opts.timeout} with ${closed.abandoned + closed.pending} message(s) unacknowledged\n`,
        );
      const unacknowledged = stats.acknowledged !== stats.published;
      if (unacknowledged && connectionProblem(lastRequestError))
        throw new TransientError(
          "kinesis_unreachable",
          `${stats.published - stats.acknowledged} message(s) not acknowledged by Kinesis (stream ${stream})`,
          { cause: lastRequestError },
        );
      setExitCode(refused > 0 || stats.failed > 0 || unacknowledged ? 1 : 0);
    });
}

function required(value: string | undefined, option: string, envName: string): string {
  if (!value) throw new ConfigurationError(`${option} is required`, `pass ${option} or set ${envName}`);
  return value;
}

function singleMessage(opts: PublishOptions): PublishRequest | undefined {
  if (opts.type === undefined) {
    if (opts.v !== undefined || opts.data !== undefined)
      throw new ConfigurationError("--v and --data need --type");
    return undefined;
  }
  if (opts.v === undefined || opts.data === undefined)
    throw new ConfigurationError("--type needs --v and --data");
  return {
    type: opts.type,
    v: parsePositiveInt(opts.v, "--v"),
    data: parseJsonObject(opts.data, "--data"),
    ...(opts.sub === undefined ? {} : { sub: opts.sub }),
    ...(opts.partitionKey === undefined ? {} : { partitionKey: opts.partitionKey }),
    ...(opts.jti === undefined ? {} : { jti: opts.jti }),
  };
}

const LINE_KEYS = new Set(["type", "v", "data", "sub", "partitionKey", "jti"]);

/** A stdin line as a PublishRequest, or why it is not one. */
export function parseLine(line: string): PublishRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not valid JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !LINE_KEYS.has(k));
  if (unknown.length > 0)
    return `unknown field(s) ${unknown.join(", ")} (expected ${[...LINE_KEYS].join(", ")})`;
  if (typeof o.type !== "string") return "type must be a string";
  if (typeof o.v !== "number" || !Number.isSafeInteger(o.v) || o.v < 1) return "v must be a positive integer";
  if (typeof o.data !== "object" || o.data === null || Array.isArray(o.data))
    return "data must be a JSON object";
  for (const k of ["sub", "partitionKey", "jti"] as const) {
    if (o[k] !== undefined && typeof o[k] !== "string") return `${k} must be a string`;
  }
  return {
    type: o.type,
    v: o.v,
    data: o.data as Record<string, unknown>,
    ...(o.sub === undefined ? {} : { sub: o.sub as string }),
    ...(o.partitionKey === undefined ? {} : { partitionKey: o.partitionKey as string }),
    ...(o.jti === undefined ? {} : { jti: o.jti as string }),
  };
}

function describe(error: unknown): string {
  if (error instanceof KjpError) return `[${error.code}] ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
