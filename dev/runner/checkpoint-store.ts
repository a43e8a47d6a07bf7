import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";

/**
 * Where each shard's processing has got to, for one (stream, function) pair: a small JSON file that survives a
 * restart. Written after every committed batch by writing a temporary file and renaming it over the old one,
 * so a crash leaves either the old or the new checkpoint, never a torn one.
 */
export interface ShardCheckpoint {
  /** The last sequence number whose record is done (processed or discarded): resume AFTER it. */
  sequenceNumber?: string;
  /** The shard was closed (resharding) and every record in it is done. */
  finished?: boolean;
  updatedAt: string;
}

export interface CheckpointFile {
  version: 1;
  streamName: string;
  functionName: string;
  shards: Record<string, ShardCheckpoint>;
}

export const DEFAULT_STATE_DIR = ".kjp/runner";

export function checkpointPath(stateDir: string, streamName: string, functionName: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");
  return join(stateDir, `${safe(streamName)}--${safe(functionName)}.json`);
}

export class CheckpointStore {
  readonly path: string;
  private state: CheckpointFile;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly stateDir: string,
    state: CheckpointFile,
    path: string,
  ) {
    this.state = state;
    this.path = path;
  }

  static async open(stateDir: string, streamName: string, functionName: string): Promise<CheckpointStore> {
    const path = checkpointPath(stateDir, streamName, functionName);
    await mkdir(stateDir, { recursive: true });
    let state: CheckpointFile = { version: 1, streamName, functionName, shards: {} };
    try {
      const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<CheckpointFile>;
      if (parsed.version !== 1 || typeof parsed.shards !== "object" || parsed.shards === null) {
        throw new ConfigurationError(
          `checkpoint file ${path} has an unknown format`,
          "Delete it to start from the configured starting position.",
        );
      }
      state = { version: 1, streamName, functionName, shards: parsed.shards };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        if (error instanceof ConfigurationError) throw error;
        throw new ConfigurationError(
          `cannot read checkpoint file ${path}: ${(error as Error).message}`,
          "Delete it to start over.",
          error,
        );
      }
    }
    return new CheckpointStore(stateDir, state, path);
  }

  get(shardId: string): ShardCheckpoint | undefined {
    return this.state.shards[shardId];
  }

  all(): Readonly<Record<string, ShardCheckpoint>> {
    return this.state.shards;
  }

  /** Records the new position and persists it; resolves once this (or a later) state is on disk. */
  async commit(shardId: string, update: Omit<ShardCheckpoint, "updatedAt">): Promise<void> {
    const previous = this.state.shards[shardId];
    this.state.shards[shardId] = { ...previous, ...update, updatedAt: new Date().toISOString() };
    const snapshot = JSON.stringify(this.state, null, 2);
    // Writes are chained so an older snapshot can never be renamed over a newer one.
    this.writing = this.writing.catch(() => undefined).then(() => this.write(snapshot));
    return this.writing;
  }

  async flush(): Promise<void> {
    await this.writing;
  }

  private async write(text: string): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
