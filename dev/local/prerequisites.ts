import { spawnSync } from "node:child_process";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";

/** Major version from `java -version` output ("1.8.0_392" → 8, "17.0.15" → 17), or undefined. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

const JAVA_HINT =
  "Install Java 17 or newer (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`), " +
  "or set JAVA_HOME to such an installation.";

/** The java binary to run DynamoDB Local with: $JAVA_HOME/bin/java when set, else java from PATH. */
export function javaCommand(): string {
  return process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : "java";
}

/** DynamoDB Local needs Java 17+; fail before spawning with an error that says how to get it. */
export function requireJava17(command = javaCommand()): string {
  const result = spawnSync(command, ["-version"], { encoding: "utf8" });
  if (result.error) {
    throw new ConfigurationError(
      `Java was not found (${command}): DynamoDB Local needs Java 17+.`,
      JAVA_HINT,
      result.error,
    );
  }
  const major = parseJavaMajor(`${result.stderr}${result.stdout}`);
  if (major === undefined || major < 17) {
    throw new ConfigurationError(
      `DynamoDB Local needs Java 17+, found ${major === undefined ? "an unknown version" : `Java ${major}`} (${command}).`,
      JAVA_HINT,
    );
  }
  return command;
}

const PYTHON_HINT =
  "Install Python 3 with venv support (Debian/Ubuntu: `apt-get install python3 python3-venv`; macOS: `brew install python`).";

/** moto runs in a project-local venv; it needs a Python 3 that can create one. */
export function requirePython3(command = process.env.KJP_PYTHON ?? "python3"): string {
  const result = spawnSync(command, ["-c", "import sys, venv; print(sys.version_info[0])"], {
    encoding: "utf8",
  });
  if (result.error) {
    throw new ConfigurationError(
      `Python 3 was not found (${command}): the moto emulator (SQS, S3, CloudWatch Logs) needs it.`,
      PYTHON_HINT,
      result.error,
    );
  }
  if (result.status !== 0 || result.stdout.trim() !== "3") {
    throw new ConfigurationError(
      `${command} is not a Python 3 with the venv module: ${result.stderr.trim() || result.stdout.trim()}`,
      PYTHON_HINT,
    );
  }
  return command;
}
