import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { registry as defaultRegistry } from "../../schemas/index.js";
import { exportJsonSchemas } from "../../schemas/json-schema.js";
import type { SchemaRegistry } from "../../schemas/registry.js";

export interface SchemasCommandDeps {
  registry: SchemaRegistry;
  out: (text: string) => void;
}

/** `kjp schemas list` and `kjp schemas export --out DIR`. */
export function register(program: Command, deps: Partial<SchemasCommandDeps> = {}): void {
  const registry = deps.registry ?? defaultRegistry;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));

  const schemas = program
    .command("schemas")
    .description("the message types and versions this pipeline accepts");

  schemas
    .command("list")
    .description("list every registered message type and version")
    .option("--json", "one JSON object per line instead of a table")
    .action((opts: { json?: boolean }) => {
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
      await mkdir(dir, { recursive: true });
      const exported = exportJsonSchemas(registry);
      for (const e of exported) {
        await writeFile(resolve(dir, e.file), JSON.stringify(e.schema, null, 2) + "\n", "utf8");
      }
      out(
        `wrote ${exported.length} JSON Schemas to ${dir}\n${exported.map((e) => `  ${e.file}`).join("\n")}\n`,
      );
    });
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
