import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";

/**
 * Where emulator output and local state live: ignored by git, safe to delete. `.kjp` in the project, or
 * KJP_STATE_DIR (relative to the project) so two runs side by side — the integration suite on the embedded
 * stack and on LocalStack — never share keys, env files or data.
 */
export function kjpDir(...parts: string[]): string {
  const state = process.env.KJP_STATE_DIR?.trim();
  return state ? resolve(projectRoot(), state, ...parts) : join(projectRoot(), ".kjp", ...parts);
}

/** Resolves a file inside an installed npm package (its package.json must be resolvable). */
export function packageDir(name: string): string {
  const require = createRequire(join(projectRoot(), "package.json"));
  return dirname(require.resolve(`${name}/package.json`));
}
