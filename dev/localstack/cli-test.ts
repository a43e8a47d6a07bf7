import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { KjpError } from "../../lib/errors/kjp-error.js";
import { kjpDir, packageDir } from "../local/project-paths.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { judgeJestRun } from "./jest-report.js";
import { startLocalStackHost, type LocalStackHost } from "./start.js";

/** What the CloudFormation deploy check (test/localstack) needs on top of the integration suite's services. */
const CFN_SERVICES = ["cloudformation", "iam", "sts", "sns", "events"];

function runJest(args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  const jest = join(packageDir("jest"), "bin", "jest.js");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [jest, ...args], { cwd: projectRoot(), env, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolvePromise(signal ? null : code));
  });
}

/**
 * npm run test:localstack [-- --json-out FILE] [jest args...]: installs LocalStack on first use, starts it in
 * host mode, runs the integration suite (and test/localstack) against it through AWS_ENDPOINT_URL, stops it,
 * and judges the run by Jest's JSON report. The last line is `N passed, N failed`.
 */
export async function main(argv: string[]): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const args = [...argv];
  const outIndex = args.indexOf("--json-out");
  const reportFile = resolve(
    outIndex >= 0 ? (args.splice(outIndex, 2)[1] ?? "") : kjpDir("localstack-results", "report.json"),
  );
  mkdirSync(dirname(reportFile), { recursive: true });
  rmSync(reportFile, { force: true });

  const started = Date.now();
  let ls: LocalStackHost | undefined;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    try {
      ls = await startLocalStackHost({ extraServices: CFN_SERVICES, log: (l) => console.log(l) });
    } catch (error) {
      console.error(error instanceof KjpError ? error.toString() : error);
      console.log("0 passed, 1 failed");
      return 1;
    }
    console.log(
      `LocalStack ${ls.endpoint} ready in ${ls.startMs} ms` +
        (ls.installMs ? ` (after installing for ${Math.round(ls.installMs / 1000)} s)` : "") +
        `; log ${ls.logFile}`,
    );
    if (interrupted) return 130;
    const suiteStarted = Date.now();
    const code = await runJest(
      ["-c", "dev/localstack/jest.config.js", "--ci", "--json", `--outputFile=${reportFile}`, ...args],
      {
        ...process.env,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, "--experimental-vm-modules"].filter(Boolean).join(" "),
        AWS_ENDPOINT_URL: ls.endpoint,
        KJP_LOCALSTACK_PID: String(ls.pid ?? ""),
        KJP_LOCALSTACK: "1",
      },
    );
    const verdict = judgeJestRun(reportFile, code);
    if (interrupted) verdict.reasons.unshift("interrupted");
    console.log(
      `LocalStack suite: ${Math.round((Date.now() - suiteStarted) / 1000)} s, total ${Math.round((Date.now() - started) / 1000)} s` +
        (verdict.ok ? "" : `; FAILED: ${verdict.reasons.join("; ")}`),
    );
    console.log(verdict.line);
    return interrupted ? 130 : verdict.ok ? 0 : 1;
  } finally {
    await ls?.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
