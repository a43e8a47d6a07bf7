import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");

/**
 * Node ends the process on an unhandled rejection. A caller that publishes and never looks at
 * `acknowledged` must survive a failed delivery: checked in a real Node process, because Jest installs its
 * own rejection handling and would hide the crash.
 */
function runScript(body: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "kjp-ff-"));
  try {
    const file = join(dir, "script.ts");
    writeFileSync(
      file,
      `import { Publisher } from ${JSON.stringify(join(here, "publisher.ts"))};\nexport async function main() {\n${body}\n}\n`,
    );
    const r = spawnSync(process.execPath, [join(root, "dev/local/run-ts.mjs"), file], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("an unobserved delivery failure does not crash the process (and an unobserved rejection would)", () => {
  const failing = runScript(`
    const p = new Publisher({
      signer: { sign: async (i) => "t." + i.jti },
      putRecords: async () => { throw Object.assign(new Error("no stream"), { name: "ResourceNotFoundException" }); },
      lingerMs: 1,
    });
    await p.publish({ type: "t.x", v: 1, data: {} });
    await p.flush(2000);
    await new Promise((r) => setTimeout(r, 50));
    console.log("survived", JSON.stringify(p.stats()));
  `);
  expect(failing.output).toContain('survived {"published":1,"acknowledged":0,"retried":0,"failed":1');
  expect(failing.status).toBe(0);

  const control = runScript(`
    void Promise.reject(new Error("unobserved"));
    await new Promise((r) => setTimeout(r, 50));
    console.log("survived");
  `);
  expect(control.status).not.toBe(0);
  expect(control.output).not.toContain("survived");
});
