import type { Command } from "commander";
import { DEFAULT_DEMO_MESSAGES } from "../../dev/demo/demo-size.js";
import type { DemoOptions, DemoResult } from "../../dev/demo/run-demo.js";
import type { StackKind } from "../../dev/localstack/as-stack.js";
import { parsePositiveInt } from "./cli-input.js";
import { stackOption } from "./dev.js";

interface DemoCommandOptions {
  messages: string;
  accounts: string;
  keep: boolean;
  json: boolean;
  keysDir?: string;
  stack: StackKind;
}

export interface DemoCommandDeps {
  run: (options: DemoOptions) => Promise<DemoResult>;
  out: (text: string) => void;
  err: (text: string) => void;
  setExitCode: (code: number) => void;
}

const defaults = (): DemoCommandDeps => ({
  // The demo (the whole local stack) is loaded when the command runs, not for `kjp --help`.
  run: async (options) => (await import("../../dev/demo/run-demo.js")).runDemo(options),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
});

/** The summary as one JSON document (--json): what CI and scripts read. */
export function demoJson(result: DemoResult): Record<string, unknown> {
  return {
    reconciled: result.summary.reconciled,
    published: result.summary.published,
    rows: result.summary.rows,
    differences: result.summary.differences,
    consumer: result.consumer,
    runner: result.runner,
    reusedStack: result.reusedStack,
    timings: result.timings,
  };
}

/** `kjp demo`: what `npm start` runs. Exit 0 when the summary reconciles, 1 when it does not. */
export function register(program: Command, deps: Partial<DemoCommandDeps> = {}): void {
  const d = { ...defaults(), ...deps };
  program
    .command("demo")
    .description(
      "boot the local stack and runner, publish a mixed workload (valid and bad messages, duplicates), " +
        "and print a summary reconciled against the ledger",
    )
    .option("--messages <n>", "records to publish, duplicates included", String(DEFAULT_DEMO_MESSAGES))
    .option("--accounts <n>", "partition keys (accounts) to spread them over", "50")
    .option("--keep", "leave the stack and runner up afterwards (Ctrl-C stops them)", false)
    .option("--json", "print the summary as JSON on stdout (progress and tables go to stderr)", false)
    .option("--keys-dir <dir>", "where the run's demo keys are written (default .kjp/demo)")
    .addOption(stackOption())
    .action(async (opts: DemoCommandOptions) => {
      const messages = parsePositiveInt(opts.messages, "--messages");
      const accounts = parsePositiveInt(opts.accounts, "--accounts");
      let result: DemoResult;
      try {
        result = await d.run({
          messages,
          accounts,
          keep: opts.keep,
          stack: opts.stack,
          ...(opts.keysDir ? { keysDir: opts.keysDir } : {}),
          // With --json stdout carries only the document.
          log: (line) => (opts.json ? d.err : d.out)(`${line}\n`),
          ...(opts.json ? { tty: false } : {}),
        });
      } catch (error) {
        const { DemoInterruptedError } = await import("../../dev/demo/run-demo.js");
        if (!(error instanceof DemoInterruptedError)) throw error;
        // Shell convention for "ended by Ctrl-C"; the stack is already down.
        d.err(`kjp: ${error.message}\n`);
        d.setExitCode(130);
        return;
      }
      if (opts.json) d.out(`${JSON.stringify(demoJson(result), null, 2)}\n`);
      d.setExitCode(result.exitCode);
    });
}
