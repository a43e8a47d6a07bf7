import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { registry } from "../../schemas/index.js";
import { register } from "./schemas.js";

async function run(args: string[]): Promise<string> {
  let output = "";
  const program = new Command("kjp")
    .exitOverride()
    .configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) });
  register(program, { out: (s) => (output += s) });
  await program.parseAsync(args, { from: "user" });
  return output;
}

describe("kjp schemas", () => {
  test("list prints a table of type, version, latest and description", async () => {
    const lines = (await run(["schemas", "list"])).trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TYPE\s+V\s+LATEST\s+DESCRIPTION$/);
    expect(lines).toHaveLength(1 + registry.list().length);
    expect(lines[1]).toMatch(/^contact\.upserted\s+1\s{2,}A contact/);
    expect(lines[2]).toMatch(/^contact\.upserted\s+2\s+yes\s+A contact/);
    expect(lines.some((l) => /^note\.added\s+1\s+yes\s/.test(l))).toBe(true);
  });

  test("list --json prints one object per line", async () => {
    const rows = (await run(["schemas", "list", "--json"]))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; v: number; latest: boolean });
    expect(rows.find((r) => r.type === "contact.upserted" && r.v === 1)?.latest).toBe(false);
    expect(rows.filter((r) => r.latest).map((r) => r.type)).toEqual([
      "contact.upserted",
      "deal.stage_changed",
      "note.added",
    ]);
  });

  test("export --out writes one JSON Schema per type and version", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kjp-schemas-"));
    try {
      const out = await run(["schemas", "export", "--out", join(dir, "nested")]);
      expect(out).toContain("wrote 4 JSON Schemas");
      const files = (await readdir(join(dir, "nested"))).sort();
      expect(files).toEqual([
        "contact.upserted.v1.json",
        "contact.upserted.v2.json",
        "deal.stage_changed.v1.json",
        "note.added.v1.json",
      ]);
      const schema = JSON.parse(await readFile(join(dir, "nested", "note.added.v1.json"), "utf8")) as {
        $id: string;
        title: string;
      };
      expect(schema.title).toBe("note.added v1");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("export --out under a file, or where nothing can be created, fails at once with the path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kjp-schemas-"));
    try {
      await writeFile(join(dir, "afile"), "x");
      await expect(run(["schemas", "export", "--out", join(dir, "afile", "sub")])).rejects.toMatchObject({
        code: "configuration",
        message: expect.stringContaining("afile is a file, not a directory"),
      });
      const started = Date.now();
      await expect(run(["schemas", "export", "--out", "/proc/nope/sub"])).rejects.toMatchObject({
        code: "configuration",
        message: expect.stringMatching(/cannot write to \/proc\/nope \(E[A-Z]+\)/),
      });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("export without --out is a usage error", async () => {
    await expect(run(["schemas", "export"])).rejects.toMatchObject({
      code: "commander.missingMandatoryOptionValue",
    });
  });
});
