import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";

/** Where emulator output and local state live: ignored by git, safe to delete. */
export function kjpDir(...parts: string[]): string {
  return join(projectRoot(), ".kjp", ...parts);
}

/** Resolves a file inside an installed npm package (its package.json must be resolvable). */
export function packageDir(name: string): string {
  const require = createRequire(join(projectRoot(), "package.json"));
  return dirname(require.resolve(`${name}/package.json`));
}
