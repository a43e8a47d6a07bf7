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

const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

function staticImports(file: string): string[] {
  return [...readFileSync(join(root, file), "utf8").matchAll(STATIC_IMPORT)].map((m) => (m[1] ?? m[2])!);
}

/** Static imports and `import("...")` with a literal specifier: what a module loads once its code has run. */
function allImports(file: string): string[] {
  const dynamic = [...readFileSync(join(root, file), "utf8").matchAll(DYNAMIC_IMPORT)].map((m) => m[1]!);
  return [...staticImports(file), ...dynamic];
}

/**
 * Every project module and package that loading `entry` loads, with the module that first imports it; with
 * `imports = allImports`, also what its code loads when it runs.
 */
function startUpClosure(entry: string, imports = staticImports): Map<string, string> {
  const reached = new Map<string, string>([[entry, "(entry)"]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const specifier of imports(file)) {
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
  expect(staticImports("lib/aws/dynamodb-client.ts")).toContain("@aws-sdk/client-dynamodb");
  expect(readFileSync(join(root, "cli/commands/failures.ts"), "utf8")).toMatch(
    /import type \{ DynamoDBClient \} from "@aws-sdk\/client-dynamodb"/,
  );
  expect(staticImports("cli/commands/failures.ts")).not.toContain("@aws-sdk/client-dynamodb");
});

/** The AWS SDK client packages a command loads when it runs (its action's dynamic imports included). */
const sdkClientsOf = (command: string) =>
  [...startUpClosure(`cli/commands/${command}.ts`, allImports).keys()]
    .filter((target) => target.startsWith("@aws-sdk/client-"))
    .sort();

// Each SDK client package costs 100 ms or more of CPU to load: a command loads only those of the clients it uses.
// A command that verifies can also load the key store clients, but only for a key set named ssm: or secretsmanager:
// (lib/envelope/keysets/remote-sources.ts), which this walk cannot tell apart.
const KEY_STORES = ["@aws-sdk/client-secrets-manager", "@aws-sdk/client-ssm"];
test.each([
  ["failures", ["@aws-sdk/client-dynamodb"]],
  ["ledger", ["@aws-sdk/client-dynamodb"]],
  ["publish", ["@aws-sdk/client-kinesis"]],
  ["inspect", ["@aws-sdk/client-dynamodb", "@aws-sdk/client-kinesis", ...KEY_STORES]],
  ["verify", KEY_STORES],
])("kjp %s loads the SDK clients %j and no other", (command, clients) => {
  expect(sdkClientsOf(command)).toEqual(clients);
});

// `kjp replay` reads one source: choosing it loads no source's module (each is imported when read, with the SDK
// package it calls), and building the engine loads the consumer's own DynamoDB client, not the scheduled replay
// Lambda's Kinesis and SQS clients.
test.each([
  ["lib/replay/source-selection.ts", []],
  ["handlers/wiring/replay-engine.ts", ["@aws-sdk/client-dynamodb"]],
])("loading %s loads the SDK clients %j and no other", (entry, clients) => {
  const sdk = [...startUpClosure(entry).keys()].filter((t) => t.startsWith("@aws-sdk/client-")).sort();
  expect(sdk).toEqual(clients);
});
