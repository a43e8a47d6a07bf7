import { Command, CommanderError } from "commander";
import { EXIT_CONFIGURATION, reportError } from "./error-report.js";
import { projectVersion } from "../lib/util/project-root.js";
import { register as accessToken } from "./commands/access-token.js";
import { register as consoleCommand } from "./commands/console.js";
import { register as demo } from "./commands/demo.js";
import { register as dev } from "./commands/dev.js";
import { register as failures } from "./commands/failures.js";
import { register as inspect } from "./commands/inspect.js";
import { register as invoke } from "./commands/invoke.js";
import { register as keys } from "./commands/keys.js";
import { register as ledger } from "./commands/ledger.js";
import { register as publish } from "./commands/publish.js";
import { register as replay } from "./commands/replay.js";
import { register as schemas } from "./commands/schemas.js";
import { register as sign } from "./commands/sign.js";
import { register as status } from "./commands/status.js";
import { register as verify } from "./commands/verify.js";

/** Exit codes of every kjp command: 0 success/accepted, 1 the thing checked was refused, 2 usage or configuration. */
export const EXIT_USAGE = EXIT_CONFIGURATION;

type Register = (program: Command) => void;

export function buildProgram(registers: readonly Register[]): Command {
  const program = new Command("kjp")
    .description("kinesis-jwt-pipeline: sign, verify, publish, consume and replay signed Kinesis messages")
    .version(projectVersion())
    .showHelpAfterError()
    .exitOverride();
  for (const register of registers) register(program);
  return program;
}

/** Runs the CLI and returns the process exit code; errors become one clear line on stderr, never a stack. */
export async function run(
  argv: readonly string[],
  registers: readonly Register[] = COMMANDS,
): Promise<number> {
  const program = buildProgram(registers);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const report = reportError(error);
    process.stderr.write(report.text);
    return report.exitCode;
  }
}

// Order is the order `kjp --help` lists them: from making keys to looking at what happened.
const COMMANDS: Register[] = [
  keys,
  sign,
  accessToken,
  verify,
  schemas,
  publish,
  invoke,
  ledger,
  failures,
  inspect,
  replay,
  consoleCommand,
  status,
  dev,
  demo,
];
