import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { judgeJestRun } from "./jest-report.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kjp-report-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const report = (fields: Record<string, unknown>) => {
  const file = join(dir, "report.json");
  writeFileSync(
    file,
    JSON.stringify({
      success: true,
      numTotalTests: 3,
      numPassedTests: 3,
      numFailedTests: 0,
      numPendingTests: 0,
      numRuntimeErrorTestSuites: 0,
      ...fields,
    }),
  );
  return file;
};

describe("judgeJestRun", () => {
  it("passes a clean report with exit 0", () => {
    expect(judgeJestRun(report({}), 0)).toMatchObject({ ok: true, line: "3 passed, 0 failed" });
  });

  it("fails on failed tests even when Jest exited 0", () => {
    const v = judgeJestRun(report({ success: false, numPassedTests: 2, numFailedTests: 1 }), 0);
    expect(v).toMatchObject({ ok: false, line: "2 passed, 1 failed" });
    expect(v.reasons).toEqual(["1 test(s) failed"]);
  });

  it("fails when a test file could not run", () => {
    const v = judgeJestRun(report({ success: false, numRuntimeErrorTestSuites: 1 }), 1);
    expect(v).toMatchObject({ ok: false, line: "3 passed, 1 failed" });
  });

  it("fails when no report was written", () => {
    const v = judgeJestRun(join(dir, "missing.json"), 0);
    expect(v).toMatchObject({ ok: false, line: "0 passed, 1 failed" });
    expect(v.reasons[0]).toMatch(/no report/);
  });

  it("fails when the report is not JSON", () => {
    const file = join(dir, "torn.json");
    writeFileSync(file, "{");
    expect(judgeJestRun(file, 0)).toMatchObject({ ok: false, line: "0 passed, 1 failed" });
  });

  it("fails when no test ran", () => {
    const v = judgeJestRun(report({ numTotalTests: 0, numPassedTests: 0 }), 0);
    expect(v).toMatchObject({ ok: false, reasons: ["no test ran"], line: "0 passed, 1 failed" });
  });

  it("fails on a non-zero exit with a clean report (e.g. the global teardown threw)", () => {
    const v = judgeJestRun(report({}), 1);
    expect(v).toMatchObject({ ok: false, reasons: ["Jest exited with 1"], line: "3 passed, 1 failed" });
  });

  it("counts skipped and todo tests", () => {
    expect(judgeJestRun(report({ numPendingTests: 1, numTodoTests: 1 }), 0).line).toBe(
      "3 passed, 0 failed, 2 skipped",
    );
  });
});
