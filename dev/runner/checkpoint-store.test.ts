import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckpointStore, checkpointPath } from "./checkpoint-store.js";

describe("checkpoint file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "kjp-ckpt-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("survives a reopen and leaves no temporary files", async () => {
    const store = await CheckpointStore.open(dir, "stream/a", "fn");
    await Promise.all([
      store.commit("shardId-0", { sequenceNumber: "1" }),
      store.commit("shardId-0", { sequenceNumber: "2" }),
      store.commit("shardId-1", { sequenceNumber: "9" }),
    ]);
    const again = await CheckpointStore.open(dir, "stream/a", "fn");
    expect(again.get("shardId-0")?.sequenceNumber).toBe("2");
    expect(again.get("shardId-1")?.sequenceNumber).toBe("9");
    expect(await readdir(dir)).toEqual(["stream_a--fn.json"]);
    expect(JSON.parse(await readFile(checkpointPath(dir, "stream/a", "fn"), "utf8"))).toMatchObject({
      version: 1,
      streamName: "stream/a",
      functionName: "fn",
    });
  });

  it("keeps pairs apart and refuses a file it does not understand", async () => {
    const a = await CheckpointStore.open(dir, "s", "f1");
    await a.commit("shardId-0", { sequenceNumber: "7" });
    expect((await CheckpointStore.open(dir, "s", "f2")).get("shardId-0")).toBeUndefined();
    await writeFile(checkpointPath(dir, "s", "bad"), "{ not json");
    await expect(CheckpointStore.open(dir, "s", "bad")).rejects.toMatchObject({
      code: "configuration",
      hint: expect.stringMatching(/Delete it/),
    });
  });
});
