import { randomInt } from "node:crypto";
import { Command, Option } from "commander";
import { PROFILES } from "./profiles.js";
import { runChaos, type Plant } from "./run-chaos.js";

/**
 * `npm run chaos [-- --profile short|long] [--seed N]`: publishes through both producers into the embedded stack
 * while injecting faults, replays per the runbook, reconciles from DynamoDB, and prints one JSON line last.
 * Exit 0 when everything reconciles, 1 on any mismatch, 2 when the run itself could not be carried out.
 */
export async function main(argv: string[]): Promise<number> {
  const code = await run(argv);
  // Everything the run started is stopped by now, but some client's idle socket or timer keeps the event loop
  // alive for about a minute after: the verdict is printed, so end here rather than wait for it.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}

async function run(argv: string[]): Promise<number> {
  const program = new Command("chaos")
    .addOption(new Option("--profile <name>", "run size").choices(Object.keys(PROFILES)).default("short"))
    .option("--seed <n>", "seed of the workload and the fault schedule (default: random, printed)")
    .addOption(
      new Option(
        "--plant <corruption>",
        "corrupt the table before reconciling (the canary: must exit 1)",
      ).choices(["extra", "swap", "missing"]),
    )
    .exitOverride();
  try {
    program.parse(argv, { from: "user" });
  } catch {
    return 2;
  }
  const opts = program.opts<{ profile: string; seed?: string; plant?: Plant }>();
  const seed = opts.seed === undefined ? randomInt(1, 2 ** 31 - 1) : Number(opts.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    console.error(`chaos: --seed "${opts.seed}" is not a non-negative integer`);
    return 2;
  }
  console.error(`chaos: seed ${seed} (run again with --seed ${seed})`);
  try {
    const summary = await runChaos({
      profile: PROFILES[opts.profile]!,
      seed,
      ...(opts.plant ? { plant: opts.plant } : {}),
      log: (line) => console.error(line),
    });
    for (const m of summary.mismatches) console.error(`chaos: MISMATCH ${m}`);
    console.log(JSON.stringify(summary));
    return summary.ok ? 0 : 1;
  } catch (error) {
    console.error(`chaos: the run could not be carried out: ${(error as Error).stack ?? String(error)}`);
    console.log(JSON.stringify({ profile: opts.profile, seed, ok: false, error: String(error) }));
    return 2;
  }
}
