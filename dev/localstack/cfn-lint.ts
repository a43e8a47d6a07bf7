import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../lib/util/project-root.js";
import { ensurePinnedVenv } from "../local/pinned-venv.js";

const run = promisify(execFile);

/**
 * cfn-lint rules this project's packaged template is known to trip, each with why it is not a defect. The
 * check in test/serverless/cfn-lint.test.ts fails on any other finding, and on an entry here that no longer
 * fires (so the list cannot go stale).
 */
export const IGNORED_RULES: Record<string, string> = {
  // osls itself adds the function's role to its DependsOn, although `Role: !GetAtt <Role>.Arn` already
  // orders them. Generated, harmless, and not ours to change.
  W3005: "DependsOn on the role is redundant with Fn::GetAtt (written by the Serverless Framework)",
  // Stage parameters (${param:streamMode}, ${param:onFailureDestination}) are resolved at package time, so the
  // template's conditions compare two literals. Intended: one template per stage, with every stage's
  // resources declared under the same conditions, so a stage differs only by its parameters.
  W8003: "Fn::Equals of two literals: stage parameters are resolved when the stage is packaged",
};

export interface CfnLintFinding {
  rule: string;
  level: string;
  message: string;
  file: string;
  line?: number;
}

/** Installs the pinned cfn-lint into .venv-cfn-lint on first use; returns its executable. */
export async function ensureCfnLint(log?: (line: string) => void): Promise<string> {
  const venv = await ensurePinnedVenv({
    name: "cfn-lint",
    lockFile: join(projectRoot(), "dev", "localstack", "cfn-lint.lock"),
    venvDir: join(projectRoot(), ".venv-cfn-lint"),
    log,
  });
  return venv.bin("cfn-lint");
}

/**
 * Every error and warning of cfn-lint on the templates, with no rule ignored. (Informational findings are
 * left out: today they are style, Fn::Sub over Fn::Join, and I3011 on resources without a DeletionPolicy.)
 */
export async function cfnLint(templates: string[], log?: (line: string) => void): Promise<CfnLintFinding[]> {
  const cfnLintBin = await ensureCfnLint(log);
  let stdout: string;
  try {
    ({ stdout } = await run(cfnLintBin, ["--format", "json", "--", ...templates], {
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    // cfn-lint exits non-zero when it finds something (2 errors, 4 warnings, 8 informational); the JSON is
    // still on stdout. Anything else (no JSON) is a real failure to run.
    const out = (error as { stdout?: string }).stdout;
    if (!out?.trim().startsWith("[")) throw error;
    stdout = out;
  }
  const raw = JSON.parse(stdout) as Array<{
    Filename: string;
    Level: string;
    Message: string;
    Rule: { Id: string };
    Location?: { Start?: { LineNumber?: number } };
  }>;
  return raw.map((f) => ({
    rule: f.Rule.Id,
    level: f.Level,
    message: f.Message,
    file: f.Filename,
    line: f.Location?.Start?.LineNumber,
  }));
}
