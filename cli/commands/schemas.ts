import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { Command } from "commander";
import type { SchemaRegistry } from "../../schemas/registry.js";

export interface SchemasCommandDeps {
  registry: SchemaRegistry;
  out: (text: string) => void;
}

/** `kjp schemas list` and `kjp schemas export --out DIR`. */
export function register(program: Command, deps: Partial<SchemasCommandDeps> = {}): void {
  // The schemas (Zod) are loaded when a subcommand runs, not for `kjp --help`.
  const loadRegistry = async () => deps.registry ?? (await import("../../schemas/index.js")).registry;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));

  const schemas = program
    .command("schemas")
    .description("the message types and versions this pipeline accepts");

  schemas
    .command("list")
    .description("list every registered message type and version")
    .option("--json", "one JSON object per line instead of a table")
    .action(async (opts: { json?: boolean }) => {
      const registry = await loadRegistry();
      const rows = registry.list().map((s) => ({
        type: s.type,
        v: s.v,
        latest: registry.latest(s.type)?.v === s.v,
        description: s.description,
      }));
      if (opts.json) {
        out(rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
        return;
      }
      out(
        table(
          ["TYPE", "V", "LATEST", "DESCRIPTION"],
          rows.map((r) => [r.type, String(r.v), r.latest ? "yes" : "", r.description]),
        ),
      );
    });

  schemas
    .command("export")
    .description(
      "write one JSON Schema (draft 2020-12) file per type and version, e.g. contact.upserted.v1.json",
    )
    .requiredOption("--out <dir>", "directory to write into (created if missing)")
    .action(async (opts: { out: string }) => {
      const dir = resolve(opts.out);
      await makeOutputDir(dir);
      const { exportJsonSchemas } = await import("../../schemas/json-schema.js");
      const exported = exportJsonSchemas(await loadRegistry());
      for (const e of exported) {
        const file = resolve(dir, e.file);
        await writeFile(file, JSON.stringify(e.schema, null, 2) + "\n", "utf8").catch((cause: unknown) => {
          throw cannotWrite(file, cause);
        });
      }
      out(
        `wrote ${exported.length} JSON Schemas to ${dir}\n${exported.map((e) => `  ${e.file}`).join("\n")}\n`,
      );
    });
}

/**
 * Creates DIR and its missing parents one level at a time. Not `mkdir({recursive:true})`: on some paths
 * (under /proc) Node's recursive mkdir never returns, and its errors do not say which level was wrong.
 */
export async function makeOutputDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    const info = await stat(current).catch((cause: NodeJS.ErrnoException) => {
      if (cause.code === "ENOENT" || cause.code === "ENOTDIR") return undefined;
      throw cannotWrite(current, cause);
    });
    if (info) {
      if (!info.isDirectory())
        throw new ConfigurationError(
          `--out ${dir}: ${current} is a file, not a directory`,
          "pass a directory path for --out",
        );
      break;
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing) {
    await mkdir(level).catch((cause: NodeJS.ErrnoException) => {
      if (cause.code !== "EEXIST") throw cannotWrite(level, cause);
    });
  }
}

function cannotWrite(path: string, cause: unknown): ConfigurationError {
  const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
  return new ConfigurationError(
    `cannot write to ${path} (${code})`,
    "pass --out a directory you can write to",
    cause,
  );
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
