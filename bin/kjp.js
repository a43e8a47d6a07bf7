#!/usr/bin/env node
// The CLI is compiled from TypeScript by `npm run build` (run by `npm install` through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/lib/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("kjp: dist/ is missing. Run `npm install` (or `npm run build`) in the project first.");
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
