import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPipelineSession } from "../../../dev/demo/pipeline-session.js";

/**
 * A session that fails after its runner started (here: the HTTP API's port is taken) stops the runner before
 * it rethrows. Left running, the runner kept `kjp dev` alive after its error, deaf to Ctrl-C, which is how the
 * newcomer test once waited two minutes for nothing.
 */
const dir = mkdtempSync(join(tmpdir(), "kjp-failed-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a session whose HTTP port is taken rejects with nothing of its runner left behind", async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  const { port } = holder.address() as { port: number };
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  try {
    await expect(
      startPipelineSession({
        persistDir: join(dir, "data"),
        keysDir: join(dir, "keys"),
        httpPort: port,
        log: () => undefined,
      }),
    ).rejects.toMatchObject({ code: "EADDRINUSE" });
    // A running runner captures stdout and stderr (dev/runner/log-capture.ts); a stopped one gave them back.
    expect(process.stdout.write).toBe(stdoutWrite);
    expect(process.stderr.write).toBe(stderrWrite);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
}, 120_000);
