import { envFor, type LocalStack, type LocalStackOptions } from "../local/stack.js";
import { startLocalStackHost } from "./start.js";

/** Which local stand-in for AWS `kjp dev` and `npm start` start: the embedded emulators, or LocalStack. */
export type StackKind = "embedded" | "localstack";

/**
 * LocalStack in host mode as the project's local stack: every service at its one endpoint. Only the region and
 * the start timeout of the options apply (it keeps its state in memory and picks its own port).
 */
export async function startLocalStackAsStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const started = Date.now();
  const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const ls = await startLocalStackHost({ startTimeoutMs: opts.startTimeoutMs });
  const e = ls.endpoint;
  return {
    external: false,
    emulators: [ls],
    endpoints: { dynamodb: e, kinesis: e, sqs: e, s3: e, logs: e },
    env: envFor(region, { dynamodb: e, kinesis: e, moto: e }),
    startMs: Date.now() - started,
    stop: () => ls.stop(),
  };
}
