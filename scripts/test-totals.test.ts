import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The closing line of `npm test` is what CI reads: these cases pin that nothing that ran can pass unseen.
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Step {
  name: string;
  kind: "check" | "jest" | "minitest";
  code: number;
  report?: string;
}

function totals(steps: Step[]): { code: number | null; last: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "kjp-totals-"));
  dirs.push(dir);
  writeFileSync(join(dir, "steps.tsv"), steps.map((s) => `${s.name}\t${s.kind}\t${s.code}\n`).join(""));
  for (const s of steps) {
    if (s.report !== undefined)
      writeFileSync(join(dir, `${s.name}.${s.kind === "jest" ? "json" : "txt"}`), s.report);
  }
  const r = spawnSync(process.execPath, ["scripts/test-totals.mjs", dir], { encoding: "utf8" });
  return { code: r.status, last: r.stdout.trimEnd().split("\n").at(-1) ?? "", out: r.stdout };
}

const jest = (passed: number, failed: number, extra: Record<string, number> = {}) =>
  JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numPendingTests: 0, ...extra });
const minitest = (runs: number, failures: number, errors: number, skips: number) =>
  `Finished in 1s\n${runs} runs, ${runs * 3} assertions, ${failures} failures, ${errors} errors, ${skips} skips\n`;

describe("test-totals", () => {
  it("adds every suite's tests into one closing line and exits 0 when all passed", () => {
    const r = totals([
      { name: "typecheck", kind: "check", code: 0 },
      { name: "unit", kind: "jest", code: 0, report: jest(600, 0) },
      { name: "integration", kind: "jest", code: 0, report: jest(86, 0) },
      { name: "ruby", kind: "minitest", code: 0, report: minitest(58, 0, 0, 0) },
    ]);
    expect(r).toMatchObject({ code: 0, last: "744 passed, 0 failed" });
  });

  it("counts a Jest suite that wrote no report as a failure, whatever its exit status", () => {
    const r = totals([
      { name: "unit", kind: "jest", code: 0, report: jest(10, 0) },
      { name: "integration", kind: "jest", code: 0 },
    ]);
    expect(r).toMatchObject({ code: 1, last: "10 passed, 1 failed" });
    expect(r.out).toMatch(/integration +0 passed, 1 failed \(no report from the runner \(exit 0\)\)/);
  });

  it("counts a minitest run without its summary line as a failure", () => {
    const r = totals([{ name: "ruby", kind: "minitest", code: 0, report: "exec: ruby: not found\n" }]);
    expect(r).toMatchObject({ code: 1, last: "0 passed, 1 failed" });
  });

  it("counts failures, errors and suites that could not run", () => {
    const r = totals([
      { name: "unit", kind: "jest", code: 1, report: jest(5, 2, { numRuntimeErrorTestSuites: 1 }) },
      { name: "ruby", kind: "minitest", code: 1, report: minitest(10, 1, 2, 1) },
    ]);
    expect(r).toMatchObject({ code: 1, last: "11 passed, 6 failed, 1 skipped" });
  });

  it("counts a non-zero exit whose report shows no failure as one failure", () => {
    const r = totals([{ name: "integration", kind: "jest", code: 1, report: jest(86, 0) }]);
    expect(r).toMatchObject({ code: 1, last: "86 passed, 1 failed" });
  });

  it("counts a failed check (typecheck, lint, prerequisites) as one failure", () => {
    const r = totals([
      { name: "prerequisites", kind: "check", code: 1 },
      { name: "lint", kind: "check", code: 0 },
    ]);
    expect(r).toMatchObject({ code: 1, last: "0 passed, 1 failed" });
  });

  it("fails a run in which no step ran at all", () => {
    expect(totals([])).toMatchObject({ code: 1, last: "0 passed, 1 failed" });
  });
});
