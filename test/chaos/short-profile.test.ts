/**
 * `npm run chaos` (short profile) in CI: both producers publish into the embedded stack while DynamoDB is killed
 * and paused, the runner SIGKILLed, kinesis-mock restarted, the producers cut off, the processor failing and
 * hostile records put on the stream; then the runbook's replay and the reconciliation from DynamoDB. The run
 * exits non-zero on any mismatch; these tests say which guarantee broke. KJP_CHAOS_SEED replays one seed.
 */
import type { ChaosSummary } from "../../dev/chaos/run-chaos.js";
import { runChaosCli, type ChaosRun } from "./run-chaos-cli.js";

let run: ChaosRun;
// The summary line the run prints: its own type, so a renamed field fails to compile here.
let s: ChaosSummary;

beforeAll(async () => {
  const seed = process.env.KJP_CHAOS_SEED ? ["--seed", process.env.KJP_CHAOS_SEED] : [];
  run = await runChaosCli(["--profile", "short", ...seed], ".kjp/chaos-suite");
  s = run.summary as unknown as ChaosSummary;
}, 900_000);

test("the run reconciles and exits 0 (its seed is in the summary to replay it)", () => {
  expect(s.mismatches).toEqual([]);
  expect(run.summary).toMatchObject({ ok: true });
  expect(run.code).toBe(0);
});

test("at least 3,000 messages through both producers, each applied exactly once, in order per key", () => {
  expect(s.published.ts + s.published.gem).toBeGreaterThanOrEqual(3_000);
  expect(s.published.gem).toBeGreaterThan(0);
  expect(s.applied).toBe(s.published.ts + s.published.gem);
  expect({
    dup: s.duplicateEffects,
    order: s.orderViolations,
    lost: s.unaccounted,
    foreign: s.foreignEffects,
  }).toEqual({ dup: 0, order: 0, lost: 0, foreign: 0 });
});

test("every hostile record rejected for its expected reason, nothing else rejected, nothing left pending", () => {
  expect(s.published.hostile).toBeGreaterThanOrEqual(0.015 * (s.published.ts + s.published.gem));
  expect({ hostile: s.hostileMismatches, stray: s.unexpectedRejections, pending: s.leftPending }).toEqual({
    hostile: 0,
    stray: 0,
    pending: 0,
  });
});

test("every kind of fault was injected, and the gem spilled to its journal during the outage", () => {
  for (const kind of [
    "dynamodb_kill",
    "dynamodb_pause",
    "runner_kill",
    "kinesis_restart",
    "producer_outage",
    "processor_errors",
  ])
    expect([kind, s.faults[kind]]).toEqual([kind, expect.any(Number)]);
  expect(Object.values(s.faults).every((n) => n > 0)).toBe(true);
  expect(s.producers.gemSpilled).toBeGreaterThan(0);
});
