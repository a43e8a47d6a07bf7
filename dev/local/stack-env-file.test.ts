import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { claimStackEnvFile, formatEnvFile } from "./stack-env-file.js";

const fresh = () => mkdtempSync(join(tmpdir(), "kjp-envfile-"));

describe("claimStackEnvFile", () => {
  test("the first stack takes stack.env; a second one while it runs gets its own file", () => {
    const dir = fresh();
    const first = claimStackEnvFile(dir, process.pid);
    expect(first.path).toBe(join(dir, "stack.env"));
    first.write({ KJP_STREAM: "one" });
    // Another live process (the parent of this one) starts a second stack.
    const second = claimStackEnvFile(dir, process.ppid);
    expect(second.path).toBe(join(dir, `stack-${process.ppid}.env`));
    second.write({ KJP_STREAM: "two" });
    expect(readFileSync(first.path, "utf8")).toContain("export KJP_STREAM=one");
    expect(readFileSync(second.path, "utf8")).toContain("export KJP_STREAM=two");
    second.remove();
    first.remove();
    expect(existsSync(first.path) || existsSync(second.path)).toBe(false);
  });

  test("a file left by a dead stack is taken over", () => {
    const dir = fresh();
    const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!;
    writeFileSync(join(dir, "stack.env"), formatEnvFile(dead, { KJP_STREAM: "stale" }));
    const file = claimStackEnvFile(dir, process.pid);
    expect(file.path).toBe(join(dir, "stack.env"));
    file.write({ KJP_STREAM: "fresh" });
    expect(readFileSync(file.path, "utf8")).not.toContain("stale");
    file.remove();
  });

  test("remove leaves a file that another stack has since taken", () => {
    const dir = fresh();
    const mine = claimStackEnvFile(dir, process.pid);
    writeFileSync(mine.path, formatEnvFile(process.ppid, { KJP_STREAM: "theirs" }));
    mine.remove();
    expect(readFileSync(join(dir, "stack.env"), "utf8")).toContain("theirs");
  });

  test("values are quoted for the shell", () => {
    expect(formatEnvFile(1, { KJP_ISSUERS: `[{"issuer":"a b"}]`, X: "it's" })).toContain(
      `export KJP_ISSUERS='[{"issuer":"a b"}]'\nexport X='it'\\''s'`,
    );
  });
});
