import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { KinesisClient, ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { request } from "node:http";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Emulator } from "../local/emulator.js";
import { startManagedProcess, type ManagedProcess } from "../local/managed-process.js";
import { kjpDir } from "../local/project-paths.js";
import { startOnFreePort } from "../local/start-on-free-port.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { fillLocalStackPackageDir, KINESIS_MOCK_VERSION } from "./package-dir.js";
import { ensurePinnedVenv } from "../local/pinned-venv.js";

/** What the integration suite and the local runner use; the CloudFormation check adds its own. */
export const LOCALSTACK_SERVICES = [
  "kinesis",
  "dynamodb",
  "sqs",
  "s3",
  "logs",
  "ssm",
  "secretsmanager",
  "cloudwatch",
];

export interface LocalStackHostOptions {
  port?: number;
  /** Services beyond LOCALSTACK_SERVICES (e.g. cloudformation, iam). */
  extraServices?: string[];
  /** Its state, logs and package folder; default .kjp/localstack/<port> so two runs side by side do not clash. */
  filesystemRoot?: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface LocalStackHost extends Emulator {
  /** Milliseconds spent installing into the venv (0 when it was ready). */
  installMs: number;
}

export function localStackVenvDir(): string {
  return join(projectRoot(), ".venv-localstack");
}

/** Installs the pinned LocalStack into .venv-localstack on first use; returns its python. */
export async function ensureLocalStackInstalled(log?: (line: string) => void) {
  return ensurePinnedVenv({
    name: "localstack",
    lockFile: join(projectRoot(), "dev", "localstack", "requirements.lock"),
    venvDir: localStackVenvDir(),
    log,
  });
}

/** The `/_localstack/health` document lists every wanted service (as "available" until first used). */
function servicesListed(endpoint: string, services: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${endpoint}/_localstack/health`, { timeout: 2_000, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        try {
          const health = JSON.parse(body) as { services?: Record<string, string> };
          resolve(services.every((s) => ["available", "running"].includes(health.services?.[s] ?? "")));
        } catch {
          resolve(false);
        }
      });
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/**
 * LocalStack starts a service on its first request, and Kinesis and DynamoDB are separate processes
 * (kinesis-mock, DynamoDB Local) that take seconds: start them now, so "ready" means ready and the first test
 * or demo batch is not the one that waits.
 */
async function warmUp(endpoint: string): Promise<void> {
  const common = {
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler({ requestTimeout: 60_000 }),
    maxAttempts: 1,
  };
  const kinesis = new KinesisClient(common);
  const dynamodb = new DynamoDBClient(common);
  try {
    await Promise.all([kinesis.send(new ListStreamsCommand({})), dynamodb.send(new ListTablesCommand({}))]);
  } finally {
    kinesis.destroy();
    dynamodb.destroy();
  }
}

/** The environment LocalStack needs to run on this host, as a plain process, without Docker or downloads. */
export function localStackEnv(
  port: number,
  filesystemRoot: string,
  services: string[],
): Record<string, string> {
  return {
    // Containers of this kind have /.dockerenv, which would make LocalStack assume its Docker image layout.
    OVERRIDE_IN_DOCKER: "0",
    FILESYSTEM_ROOT: filesystemRoot,
    GATEWAY_LISTEN: `127.0.0.1:${port}`,
    // SQS queue URLs and S3 virtual hosts must name this host and port: *.localhost.localstack.cloud needs
    // public DNS, and LocalStack's own DNS server is off.
    LOCALSTACK_HOST: `localhost:${port}`,
    SQS_ENDPOINT_STRATEGY: "dynamic",
    DNS_ADDRESS: "0",
    SERVICES: services.join(","),
    SKIP_SSL_CERT_DOWNLOAD: "1",
    DISABLE_EVENTS: "1",
    // 4.4.0 pins kinesis-mock 0.4.9, which keeps returning the last record at the shard tip.
    KINESIS_MOCK_VERSION,
    KINESIS_LATENCY: "0",
    // Its kinesis-mock (the only Node process it starts) listens on every interface; the embedded stack's
    // preload makes it listen on 127.0.0.1 only, as the rest of the local stack does.
    NODE_OPTIONS: [
      process.env.NODE_OPTIONS,
      `--import=${pathToFileURL(join(projectRoot(), "dev", "local", "loopback-only-listen.mjs")).href}`,
    ]
      .filter(Boolean)
      .join(" "),
    // Its gateway ignores GATEWAY_LISTEN's host for IPv4: python/sitecustomize.py binds it to loopback.
    PYTHONPATH: join(projectRoot(), "dev", "localstack", "python"),
    PYTHONUNBUFFERED: "1",
    PYTHONDONTWRITEBYTECODE: "1",
  };
}

/**
 * Starts LocalStack (host mode, from .venv-localstack) on a free loopback port and resolves once every
 * service reports running. Stopping ends its whole process group (kinesis-mock and DynamoDB Local too), and
 * the managed-process guard does the same if this process dies first.
 */
export async function startLocalStackHost(opts: LocalStackHostOptions = {}): Promise<LocalStackHost> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const venv = await ensureLocalStackInstalled(log);
  const services = [...new Set([...LOCALSTACK_SERVICES, ...(opts.extraServices ?? [])])];
  const emulator = await startOnFreePort(opts.port, async (port) => {
    // Its state lives in memory; the folder holds only the package links and scratch files, so a default
    // one is removed on stop (several runs side by side each have their own).
    const root = opts.filesystemRoot ?? kjpDir("localstack", String(port));
    const removeRoot = () => {
      if (opts.filesystemRoot === undefined) rmSync(root, { recursive: true, force: true });
    };
    mkdirSync(root, { recursive: true });
    const endpoint = `http://127.0.0.1:${port}`;
    const started = Date.now();
    let proc: ManagedProcess | undefined;
    try {
      fillLocalStackPackageDir(root);
      proc = await startManagedProcess({
        name: "localstack",
        logName: `localstack-${port}`,
        command: venv.python,
        args: ["-m", "localstack.runtime.main"],
        cwd: root,
        env: localStackEnv(port, root, services),
        healthCheck: () => servicesListed(endpoint, services),
        pollIntervalMs: 250,
        startTimeoutMs: opts.startTimeoutMs ?? 120_000,
        // LocalStack shuts its emulators down on SIGTERM; give it time before the group is killed.
        stopTimeoutMs: 10_000,
      });
      await warmUp(endpoint);
    } catch (error) {
      await proc?.stop();
      removeRoot();
      throw error;
    }
    const running = proc;
    return {
      name: "localstack",
      endpoint,
      port,
      pid: running.pid,
      logFile: running.logFile,
      startMs: Date.now() - started,
      stop: async () => {
        await running.stop();
        removeRoot();
      },
    };
  });
  return { ...emulator, installMs: venv.installMs };
}
