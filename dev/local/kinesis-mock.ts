import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { Emulator } from "./emulator.js";
import { findFreePort } from "./free-port.js";
import { packageDir } from "./project-paths.js";
import { startEmulator } from "./start-emulator.js";
import { projectRoot } from "../../lib/util/project-root.js";

export interface KinesisMockOptions {
  /** Fixed plain-HTTP port; default a free loopback port. */
  port?: number;
  region?: string;
  /** Keep streams and records across restarts in this folder (kinesis-mock writes a JSON snapshot). */
  dataDir?: string;
  /**
   * How often that snapshot is written (default 1s). It is the whole stream each time: a run that puts tens of
   * thousands of records (the chaos run's long profile) starves kinesis-mock at 1s.
   */
  persistInterval?: string;
  /** Shard limit per account (kinesis-mock's default of 50 is too low for tests that create many streams). */
  shardLimit?: number;
  startTimeoutMs?: number;
}

/** kinesis-mock's simulated delays for control-plane operations: tests should not wait for them. */
const FAST_CONTROL_PLANE: Record<string, string> = Object.fromEntries(
  [
    "CREATE_STREAM_DURATION",
    "DELETE_STREAM_DURATION",
    "REGISTER_STREAM_CONSUMER_DURATION",
    "DEREGISTER_STREAM_CONSUMER_DURATION",
    "START_STREAM_ENCRYPTION_DURATION",
    "STOP_STREAM_ENCRYPTION_DURATION",
    "MERGE_SHARDS_DURATION",
    "SPLIT_SHARD_DURATION",
    "UPDATE_SHARD_COUNT_DURATION",
    "UPDATE_STREAM_MODE_DURATION",
  ].map((k) => [k, "10ms"]),
);

/** The path that answers once kinesis-mock serves. */
export const KINESIS_MOCK_HEALTH_PATH = "/healthcheck";

/**
 * Starts kinesis-mock (npm `kinesis-local`, a Scala.js build run by Node) with its plain HTTP port as the
 * endpoint. Clients must use NodeHttpHandler (lib/aws/client-settings.ts does): the SDK's HTTP/2 handler fails there.
 */
export async function startKinesisMock(opts: KinesisMockOptions = {}): Promise<Emulator> {
  let dir: string;
  try {
    dir = packageDir("kinesis-local");
  } catch (cause) {
    throw new ConfigurationError(
      "The kinesis-local npm package is not installed.",
      "Run `npm ci` in the project root.",
      cause,
    );
  }
  const persist: Record<string, string> = {};
  if (opts.dataDir) {
    const path = resolve(opts.dataDir);
    mkdirSync(path, { recursive: true });
    Object.assign(persist, {
      SHOULD_PERSIST_DATA: "true",
      LOAD_DATA_IF_EXISTS: "true",
      PERSIST_PATH: path,
      PERSIST_INTERVAL: opts.persistInterval ?? "1s",
    });
  }

  return startEmulator({
    name: "kinesis",
    processName: "kinesis-mock",
    port: opts.port,
    healthPath: KINESIS_MOCK_HEALTH_PATH,
    startTimeoutMs: opts.startTimeoutMs,
    launch: async (port) => ({
      command: process.execPath,
      // kinesis-local listens on 0.0.0.0 with no host setting: the preload makes it listen on 127.0.0.1 only.
      args: [
        "--import",
        pathToFileURL(join(projectRoot(), "dev", "local", "loopback-only-listen.mjs")).href,
        join(dir, "main.js"),
      ],
      cwd: dir,
      env: {
        KINESIS_MOCK_PLAIN_PORT: String(port),
        // The TLS port is unused but always bound: give it a free one too, so two stacks can run side by side.
        KINESIS_MOCK_TLS_PORT: String(await findFreePort()),
        KINESIS_MOCK_CERT_PATH: join(dir, "server.json"),
        AWS_REGION: opts.region ?? process.env.AWS_REGION ?? "us-east-1",
        SHARD_LIMIT: String(opts.shardLimit ?? 500),
        ON_DEMAND_STREAM_COUNT_LIMIT: "50",
        LOG_LEVEL: process.env.KJP_KINESIS_MOCK_LOG_LEVEL ?? "WARN",
        ...FAST_CONTROL_PLANE,
        ...persist,
      },
    }),
  });
}
