import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project root, found by walking up from this module to our package.json. Code runs both from sources
 * (ts-jest) and from dist/, at different depths, so a fixed relative path would be wrong in one of them.
 */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string };
      if (pkg.name === "kinesis-jwt-pipeline") return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`kinesis-jwt-pipeline package.json not found above ${from}`);
    dir = parent;
  }
}

export function projectVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as { version: string })
    .version;
}
