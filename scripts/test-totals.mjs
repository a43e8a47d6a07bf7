// Totals one `npm test` run (scripts/test-all.sh) into its closing line, from the steps it ran
// (<dir>/steps.tsv: name, kind, exit status) and each runner's own report. Nothing that ran may pass unseen:
// - a jest step needs <dir>/<name>.json; none (the runner was ended early) is one failure;
// - a minitest step needs minitest's summary line in <dir>/<name>.txt; none is one failure;
// - a step whose exit status is non-zero but whose report counts no failure (a crash in teardown, a runner
//   error) is one failure; a failed check (typecheck, lint, prerequisites) is one failure.
// Prints one line per suite, then `N passed, N failed[, N skipped]`; exits 1 if anything failed.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/test-totals.mjs <results-dir>");
  process.exit(2);
}

function jestCounts(file) {
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, "utf8"));
  return {
    passed: r.numPassedTests,
    failed: r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0),
    skipped: r.numPendingTests + (r.numTodoTests ?? 0),
  };
}

function minitestCounts(file) {
  if (!existsSync(file)) return undefined;
  const m = /(\d+) runs, \d+ assertions, (\d+) failures, (\d+) errors, (\d+) skips/.exec(
    readFileSync(file, "utf8"),
  );
  if (!m) return undefined;
  const [runs, failures, errors, skips] = m.slice(1).map(Number);
  return { passed: runs - failures - errors - skips, failed: failures + errors, skipped: skips };
}

const steps = existsSync(join(dir, "steps.tsv"))
  ? readFileSync(join(dir, "steps.tsv"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [name, kind, code] = line.split("\t");
        return { name, kind, code: Number(code) };
      })
  : [];

const total = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const { name, kind, code } of steps) {
  let counts;
  let note = "";
  if (kind === "check") {
    counts = { passed: 0, failed: code === 0 ? 0 : 1, skipped: 0 };
    note = code === 0 ? "ok" : `exit ${code}`;
  } else {
    const file = join(dir, `${name}.${kind === "jest" ? "json" : "txt"}`);
    counts = kind === "jest" ? jestCounts(file) : minitestCounts(file);
    if (!counts) {
      counts = { passed: 0, failed: 1, skipped: 0 };
      note = `no report from the runner (exit ${code})`;
    } else if (code !== 0 && counts.failed === 0) {
      counts.failed = 1;
      note = `exit ${code} although its report counts no failed test`;
    }
  }
  for (const k of Object.keys(total)) total[k] += counts[k];
  const tests =
    kind === "check" ? note : `${counts.passed} passed, ${counts.failed} failed${note ? ` (${note})` : ""}`;
  lines.push(`  ${name.padEnd(14)} ${tests}`);
}
if (steps.length === 0) {
  total.failed += 1;
  lines.push("  no step ran");
}
console.log(`\nsuites:\n${lines.join("\n")}`);
console.log(
  `${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`,
);
process.exit(total.failed > 0 ? 1 : 0);
