import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";

/**
 * `kjp --help` (and any one command) starts in a fraction of a second because cli/main.ts and the command
 * modules load only commander, settings and types when they start; each command imports its machinery (AWS
 * SDK clients, jose, Zod, the replay engine, the local stack) inside its action. This follows the static
 * imports from cli/main.ts (type-only imports and `import()` excluded) and fails when one of them reaches a
 * package other than commander, or a module that loads one.
 */
const root = projectRoot();
const STATIC_IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^;]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

function staticImports(file: string): string[] {
  return [...readFileSync(join(root, file), "utf8").matchAll(STATIC_IMPORT)].map((m) => (m[1] ?? m[2])!);
}

/** Every project module and package that starting the CLI loads, with the module that first imports it. */
function startUpClosure(entry: string): Map<string, string> {
  const reached = new Map<string, string>([[entry, "(entry)"]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const specifier of staticImports(file)) {
      const target = specifier.startsWith(".")
        ? relative(root, resolve(dirname(join(root, file)), specifier.replace(/\.js$/, ".ts")))
        : specifier;
      if (reached.has(target)) continue;
      reached.set(target, file);
      if (specifier.startsWith(".")) queue.push(target);
    }
  }
  return reached;
}

test("starting kjp loads no package but commander, and no module that does", () => {
  const closure = startUpClosure("cli/main.ts");
  // The walk sees the commands (it is not vacuous).
  expect(closure.has("cli/commands/verify.ts")).toBe(true);
  const heavy = [...closure]
    .filter(([target]) => !target.includes("/") || target.startsWith("@"))
    .filter(([target]) => target !== "commander" && !target.startsWith("node:"))
    .map(([target, from]) => `${from} -> ${target}`);
  expect(heavy).toEqual([]);
});

test("the walk sees package imports and skips type-only ones", () => {
  expect(staticImports("lib/aws/clients.ts")).toContain("@aws-sdk/client-dynamodb");
  expect(readFileSync(join(root, "cli/commands/failures.ts"), "utf8")).toMatch(
    /import type \{ DynamoDBClient \} from "@aws-sdk\/client-dynamodb"/,
  );
  expect(staticImports("cli/commands/failures.ts")).not.toContain("@aws-sdk/client-dynamodb");
});
