// Adds up the Jest JSON reports and the minitest summary of one `npm test` run into one closing line.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(dir)) {
  const path = join(dir, file);
  if (file.endsWith(".json")) {
    const report = JSON.parse(readFileSync(path, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  } else if (file === "ruby.txt" && existsSync(path)) {
    const m = /(\d+) runs, \d+ assertions, (\d+) failures, (\d+) errors, (\d+) skips/.exec(
      readFileSync(path, "utf8"),
    );
    if (m) {
      const [runs, failures, errors, skips] = m.slice(1).map(Number);
      passed += runs - failures - errors - skips;
      failed += failures + errors;
      skipped += skips;
    } else failed += 1; // the Ruby suite did not get as far as its summary
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
