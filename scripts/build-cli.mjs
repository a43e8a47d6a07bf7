#!/usr/bin/env node
// Compiles the CLI into dist/ with tsc, saying so and showing it is still at work: a cold tsc takes a
// minute on a small machine, and a silent minute looks like a hang. `npm install` runs it (prepare);
// `npm start` runs it with --if-stale, so the build after install is not done a second time.
//   node scripts/build-cli.mjs [--if-stale]
import { spawn } from "node:child_process";
import { clearInterval, setInterval } from "node:timers";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// What tsconfig.build.json compiles, and the settings that change its output.
const SOURCES = ["handlers", "processors", "schemas", "lib", "dev", "cli", "bench"];
const CONFIGS = ["tsconfig.json", "tsconfig.build.json", "package-lock.json"];
const stamp = join(root, "dist", ".build-stamp");

function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCES) if (existsSync(join(root, dir))) visit(join(root, dir));
  for (const file of CONFIGS)
    if (existsSync(join(root, file))) newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

export function isStale() {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSource();
}

async function main() {
  if (process.argv.includes("--if-stale") && !isStale()) return 0;
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  console.error(
    "kjp: compiling the CLI and the local tooling into dist/ (tsc; about a minute the first time)...",
  );
  const ticker = setInterval(() => console.error(`kjp:   still compiling (${seconds()} s)`), 10_000);
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
      stdio: "inherit",
      cwd: root,
    });
    child.on("exit", (status) => resolve(status ?? 1));
    child.on("error", () => resolve(1));
  });
  clearInterval(ticker);
  if (code !== 0) {
    console.error(`kjp: tsc failed (exit ${code}) after ${seconds()} s`);
    return code;
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  console.error(`kjp: CLI built in ${seconds()} s (run it as \`npx kjp --help\`)`);
  return 0;
}

process.exitCode = await main();
