#!/usr/bin/env node
// The CLI is compiled from TypeScript by `npm run build` (run by `npm install` through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Node 20 is the supported local runtime (Lambda runs nodejs22.x); the SDK's multi-line notice about it on
// every start would bury the CLI's own output. An explicit setting by the user wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("kjp: dist/ is missing. Run `npm install` (or `npm run build`) in the project first.");
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
