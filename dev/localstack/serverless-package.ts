import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { createZip } from "../packaging/zip.js";
import { projectRoot } from "../../lib/util/project-root.js";

const run = promisify(execFile);

export interface PackagedStage {
  /** The service's scratch copy (osls writes its state next to serverless.yml). */
  dir: string;
  /** The `package` output folder: the template and the function zips. */
  out: string;
  templateFile: string;
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
}

/**
 * `serverless package` for one stage, offline and without credentials, in a copy of the service under
 * `scratch`, with stand-in function zips: the template does not depend on the handlers being built.
 */
export async function packageStage(
  scratch: string,
  stage: string,
  extra: string[] = [],
): Promise<PackagedStage> {
  const root = projectRoot();
  const dir = join(scratch, stage);
  mkdirSync(join(dir, ".build/lambda"), { recursive: true });
  copyFileSync(join(root, "serverless.yml"), join(dir, "serverless.yml"));
  const stub = createZip([
    { path: "handlers/stub.mjs", data: Buffer.from("export const handler = async () => {};\n") },
  ]);
  for (const fn of ["consumer", "replay"]) writeFileSync(join(dir, `.build/lambda/${fn}.zip`), stub);
  const out = join(dir, "out");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
  try {
    await run(
      process.execPath,
      [
        join(root, "node_modules/osls/bin/serverless.js"),
        "package",
        "--stage",
        stage,
        "--package",
        out,
        ...extra,
      ],
      { cwd: dir, env, timeout: 90_000 },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package --stage ${stage} failed:\n${stdout}\n${stderr}`);
  }
  const templateFile = join(out, "cloudformation-template-update-stack.json");
  return {
    dir,
    out,
    templateFile,
    template: JSON.parse(readFileSync(templateFile, "utf8")) as PackagedStage["template"],
  };
}
