import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root (the folder with package.json), found from this file so it works from lib/ and dist/lib/. */
export function projectRoot(): string {
  let dir = here;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "node_modules"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** Where emulator output and local state live: ignored by git, safe to delete. */
export function kjpDir(...parts: string[]): string {
  return join(projectRoot(), ".kjp", ...parts);
}

/** Resolves a file inside an installed npm package (its package.json must be resolvable). */
export function packageDir(name: string): string {
  const require = createRequire(join(projectRoot(), "package.json"));
  return dirname(require.resolve(`${name}/package.json`));
}
