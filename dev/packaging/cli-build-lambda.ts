import { loadServiceDefinition } from "../service-definition/service-definition.js";
import { KjpError } from "../../lib/errors/kjp-error.js";
import { bundleFunction } from "./lambda-artifacts.js";
import { projectRoot } from "../../lib/util/project-root.js";

/**
 * `npm run build:lambda [-- fn...]`: bundles every function serverless.yml declares (or the ones named) into
 * the zip its package.artifact names, ready for `serverless package`/`deploy`.
 */
export async function main(argv: string[]): Promise<number> {
  const root = projectRoot();
  const definition = loadServiceDefinition({ path: `${root}/serverless.yml` });
  const wanted = argv.filter((a) => !a.startsWith("-"));
  const functions = definition.functions.filter((f) => wanted.length === 0 || wanted.includes(f.key));
  let failed = 0;
  for (const fn of functions) {
    try {
      const started = Date.now();
      const built = await bundleFunction(fn, { root });
      console.log(
        `${fn.key.padEnd(10)} ${built.zip.replace(`${root}/`, "")} ${(built.bytes / 1024).toFixed(0)} KiB (${Date.now() - started} ms)`,
      );
    } catch (error) {
      failed++;
      console.error(error instanceof KjpError ? error.toString() : error);
    }
  }
  return failed === 0 ? 0 : 1;
}
