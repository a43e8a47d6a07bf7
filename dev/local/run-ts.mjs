#!/usr/bin/env node
// Runs a TypeScript entry of this project without a prior `tsc` build: esbuild bundles it (dependencies stay
// external) into .kjp/build, then its exported `main(argv)` is called. Used by npm scripts such as
// stack:up and build:lambda. Usage: node dev/local/run-ts.mjs dev/local/cli-up.ts [args...]
import { build } from "esbuild";
import { mkdirSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node dev/local/run-ts.mjs <entry.ts> [args...]");
  process.exit(2);
}
const outDir = join(root, ".kjp", "build");
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `${basename(entry).replace(/\.[cm]?ts$/, "")}-${process.pid}.mjs`);
await build({
  entryPoints: [resolve(entry)],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "inline",
  outfile,
  logLevel: "warning",
});
process.on("exit", () => rmSync(outfile, { force: true }));
const mod = await import(pathToFileURL(outfile).href);
if (typeof mod.main !== "function") {
  console.error(`${entry} exports no main(argv)`);
  process.exit(2);
}
const code = await mod.main(args);
if (typeof code === "number") process.exitCode = code;
