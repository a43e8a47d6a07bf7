import { copyFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Emulator } from "../local/emulator.js";
import { DYNAMODB_LOCAL_HEALTH_PATH, startDynamoDbLocal } from "../local/dynamodb-local.js";
import { findFreePort } from "../local/free-port.js";
import { KINESIS_MOCK_HEALTH_PATH, startKinesisMock } from "../local/kinesis-mock.js";
import { startMoto } from "../local/moto.js";
import { restartOnPort } from "../local/restart-on-port.js";
import { envFor, type LocalStackEnv } from "../local/stack.js";
import { connect } from "node:net";
import { TcpOutageProxy } from "./tcp-proxy.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long DynamoDB Local keeps running, cut off from its clients, before it is killed. It answers a write before
 * the write is on disk: in `dynamodb_kill` runs without this pause, a transaction it acknowledged 0-3 ms before
 * SIGKILL was gone after the restart (2 of ~1,500 acknowledged in 10 kills; none with 300 ms of quiet first).
 * DynamoDB never loses a write it acknowledged, so a run that killed the emulator at once would judge the
 * emulator, not the pipeline (seen as messages never applied, or applied late by the ledger's failed items).
 */
const DYNAMODB_FLUSH_GRACE_MS = 1_000;

/**
 * The embedded stack, started emulator by emulator on fixed ports with DynamoDB and Kinesis persisted to disk,
 * so the chaos run can kill, pause and restart them where clients expect them (dev/local/stack.ts starts the
 * same emulators together, without these handles).
 */
export class ChaosStack {
  private constructor(
    private readonly dataDir: string,
    private dynamodb: Emulator,
    private kinesis: Emulator,
    private readonly moto: Emulator,
    /** Every DynamoDB client goes through it, so a kill can cut them all off before the process dies. */
    private readonly dynamodbProxy: TcpOutageProxy,
    readonly env: LocalStackEnv,
    private readonly persistSeconds: number,
  ) {}

  /** `persistSeconds`: kinesis-mock's snapshot interval (every second starves it once the stream is big). */
  static async start(dataDir: string, persistSeconds: number, region = "us-east-1"): Promise<ChaosStack> {
    const persistInterval = `${persistSeconds}s`;
    const [dynamoPort, kinesisPort] = [await findFreePort(), await findFreePort()];
    const [dynamodb, kinesis, moto] = await Promise.all([
      startDynamoDbLocal({ port: dynamoPort, dataDir: join(dataDir, "dynamodb") }),
      startKinesisMock({
        port: kinesisPort,
        region,
        dataDir: join(dataDir, "kinesis"),
        persistInterval,
      }),
      startMoto({}),
    ]);
    const dynamodbProxy = await new TcpOutageProxy(() => ({
      host: "127.0.0.1",
      port: dynamoPort,
    })).listen();
    const env = envFor(region, {
      dynamodb: dynamodbProxy.endpoint,
      kinesis: kinesis.endpoint,
      moto: moto.endpoint,
    });
    return new ChaosStack(dataDir, dynamodb, kinesis, moto, dynamodbProxy, env, persistSeconds);
  }

  get kinesisEndpoint(): string {
    return this.kinesis.endpoint;
  }

  /**
   * DynamoDB gone for its clients at once: every connection reset, whatever it carries (a commit in flight
   * included: it may have been applied with its answer lost, as on AWS), new ones refused. Then SIGKILL, once what
   * the emulator acknowledged is on disk (DYNAMODB_FLUSH_GRACE_MS), and a restart on its data that resolves only
   * once it answers on its old port (restartOnPort); the clients get through again after that.
   */
  async killDynamoDb(downMs: number): Promise<void> {
    this.dynamodbProxy.cut();
    try {
      await sleep(DYNAMODB_FLUSH_GRACE_MS);
      signalGroup(this.dynamodb.pid, "SIGKILL");
      await this.dynamodb.stop();
      await sleep(Math.max(0, downMs - DYNAMODB_FLUSH_GRACE_MS));
      this.dynamodb = await restartDynamoDbLocal(this.dynamodb.port, join(this.dataDir, "dynamodb"));
    } finally {
      this.dynamodbProxy.restore();
    }
  }

  /** SIGSTOP: connections stay open and requests hang (a hung dependency, not a refused one); then SIGCONT. */
  async pauseDynamoDb(pausedMs: number): Promise<void> {
    signalGroup(this.dynamodb.pid, "SIGSTOP");
    try {
      await sleep(pausedMs);
    } finally {
      signalGroup(this.dynamodb.pid, "SIGCONT");
    }
  }

  /**
   * Stops kinesis-mock and starts it again on its persisted snapshot. kinesis-mock writes the whole stream to its
   * snapshot every `persistSeconds`, and may not write one on SIGTERM; on a starved machine a snapshot can also be
   * written seconds after it was taken. So the caller cuts every writer off first (`quietSinceMs`), and this waits
   * for a complete snapshot written more than two intervals after that moment: it was taken after the writers
   * stopped, so it holds every record kinesis-mock acknowledged (a restart on an older one lost acknowledged
   * records and left the consumer's checkpoint on a record that no longer existed). A snapshot cut short by the
   * stop is replaced by the copy made here.
   */
  async restartKinesis(downMs: number, quietSinceMs: number): Promise<void> {
    const file = join(this.dataDir, "kinesis", "kinesis-data.json");
    const copy = `${file}.chaos-copy`;
    const after = quietSinceMs + 2 * this.persistSeconds * 1000 + 2_000;
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (existsSync(file) && statSync(file).mtimeMs > after && parses(file)) {
        copyFileSync(file, copy);
        // The copy must itself be a whole snapshot (a write may have begun in between).
        if (parses(copy)) break;
      }
      if (Date.now() > deadline)
        throw new Error(`kinesis-mock wrote no complete snapshot to ${file} within 180 s`);
      await sleep(250);
    }
    await this.kinesis.stop();
    if (!parses(file)) copyFileSync(copy, file);
    await sleep(downMs);
    const port = this.kinesis.port;
    this.kinesis = await restartOnPort({
      name: "kinesis-mock",
      port,
      healthPath: KINESIS_MOCK_HEALTH_PATH,
      start: (startTimeoutMs) =>
        startKinesisMock({
          port,
          dataDir: join(this.dataDir, "kinesis"),
          region: this.env.AWS_REGION,
          persistInterval: `${this.persistSeconds}s`,
          startTimeoutMs,
        }),
    });
  }

  /**
   * Which emulators are gone (their port refuses connections). Not "slow": on a starved machine kinesis-mock can
   * take seconds to answer, which the pipeline must ride out, while an emulator that died on its own would make
   * the run's verdict about the emulator rather than the pipeline, so it is reported beside it.
   */
  async gone(): Promise<string[]> {
    const [kinesis, dynamodb] = await Promise.all([
      listening(this.kinesis.port),
      listening(this.dynamodb.port),
    ]);
    return [...(kinesis ? [] : ["kinesis-mock"]), ...(dynamodb ? [] : ["dynamodb-local"])];
  }

  async stop(): Promise<void> {
    signalGroup(this.dynamodb.pid, "SIGCONT");
    await Promise.allSettled([
      this.dynamodbProxy.stop(),
      this.dynamodb.stop(),
      this.kinesis.stop(),
      this.moto.stop(),
    ]);
  }
}

/** DynamoDB Local again on `port` and its data, answering before this resolves (also used by its test). */
export function restartDynamoDbLocal(port: number, dataDir: string, deadlineMs?: number): Promise<Emulator> {
  return restartOnPort({
    name: "dynamodb-local",
    port,
    healthPath: DYNAMODB_LOCAL_HEALTH_PATH,
    start: (startTimeoutMs) => startDynamoDbLocal({ port, dataDir, startTimeoutMs }),
    deadlineMs,
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.setTimeout(10_000, () => done(true));
  });
}

function parses(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, "utf8"));
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
