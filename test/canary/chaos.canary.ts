// Planted on purpose: scripts/test-canary.sh runs this through the chaos suite's runner and passes only if the
// failure below is reported and counted. The planted failure is real: the chaos run corrupts its own table
// (two applied messages swapped) before reconciling, and the run must then exit non-zero.
import { runChaosCli } from "../chaos/run-chaos-cli.js";

test("canary: a calm chaos run reconciles (a passing test is counted)", async () => {
  const run = await runChaosCli(["--profile", "canary", "--seed", "1"], ".kjp/chaos-canary");
  expect(run.code).toBe(0);
}, 300_000);

test("canary: a chaos run over a corrupted table must turn the run red", async () => {
  const run = await runChaosCli(
    ["--profile", "canary", "--seed", "1", "--plant", "swap"],
    ".kjp/chaos-canary",
  );
  // It exits 1 and names the order violation: this expectation fails, and the failure must be counted.
  expect(run.code).toBe(0);
}, 300_000);
