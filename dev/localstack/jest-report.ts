import { existsSync, readFileSync } from "node:fs";

/** The fields of Jest's `--json` report this runner judges by. */
export interface JestReport {
  success: boolean;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  numRuntimeErrorTestSuites?: number;
}

export interface Verdict {
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  /** Why the run counts as failed, when it does. */
  reasons: string[];
  /** The plain closing line: `N passed, N failed[, N skipped]`. */
  line: string;
}

/**
 * Judges a Jest run by its JSON report, not its exit code alone (a run can exit 0 after failures). No report,
 * a suite that could not run, or zero tests all count as failure; so does a non-zero exit with a clean report
 * (e.g. the global teardown threw).
 */
export function judgeJestRun(reportFile: string, exitCode: number | null): Verdict {
  const reasons: string[] = [];
  let report: JestReport | undefined;
  if (!existsSync(reportFile)) reasons.push(`Jest wrote no report (${reportFile})`);
  else {
    try {
      report = JSON.parse(readFileSync(reportFile, "utf8")) as JestReport;
    } catch (error) {
      reasons.push(`Jest's report ${reportFile} is not JSON (${(error as Error).message})`);
    }
  }
  const passed = report?.numPassedTests ?? 0;
  const suiteErrors = report?.numRuntimeErrorTestSuites ?? 0;
  const failed = (report?.numFailedTests ?? 0) + suiteErrors + (report ? 0 : 1);
  const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
  if (report) {
    if (report.numFailedTests > 0) reasons.push(`${report.numFailedTests} test(s) failed`);
    if (suiteErrors > 0) reasons.push(`${suiteErrors} test file(s) could not run`);
    if (report.numTotalTests === 0) reasons.push("no test ran");
    if (!report.success && reasons.length === 0) reasons.push("Jest reported the run as unsuccessful");
  }
  if (exitCode !== 0 && reasons.length === 0) reasons.push(`Jest exited with ${exitCode}`);
  return {
    ok: reasons.length === 0,
    passed,
    failed: reasons.length > 0 && failed === 0 ? 1 : failed,
    skipped,
    reasons,
    line: `${passed} passed, ${reasons.length > 0 && failed === 0 ? 1 : failed} failed${skipped ? `, ${skipped} skipped` : ""}`,
  };
}
