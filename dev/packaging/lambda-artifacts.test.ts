import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { bundleFunction } from "./lambda-artifacts.js";
import { readZip } from "./read-zip.js";

const root = mkdtempSync(join(tmpdir(), "kjp-bundle-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("bundleFunction", () => {
  it("puts one self-contained ESM module where the handler string points, and it runs", async () => {
    mkdirSync(join(root, "handlers"), { recursive: true });
    mkdirSync(join(root, "lib"), { recursive: true });
    writeFileSync(join(root, "lib/greet.ts"), "export const greet = (n: string): string => `hello ${n}`;\n");
    writeFileSync(
      join(root, "handlers/hello.ts"),
      'import { createHash } from "node:crypto";\nimport { greet } from "../lib/greet.js";\n' +
        "export const handler = async (e: { name: string }) => ({ text: greet(e.name), sha: createHash('sha1').update(e.name).digest('hex').length });\n",
    );
    const built = await bundleFunction(
      {
        key: "hello",
        handler: "handlers/hello.handler",
        artifact: ".build/lambda/hello.zip",
      },
      { root },
    );
    expect(built.zip).toBe(join(root, ".build/lambda/hello.zip"));
    expect(built.entry).toBe("handlers/hello.mjs");

    const files = readZip(readFileSync(built.zip));
    // The source map sits beside the zip for debugging, never inside it (cold start would pay for it).
    expect([...files.keys()].sort()).toEqual(["handlers/hello.mjs"]);
    expect(built.files).toEqual(["handlers/hello.mjs"]);
    expect(built.sourceMap).toBe(join(root, ".build/lambda/hello.mjs.map"));
    expect(JSON.parse(readFileSync(built.sourceMap, "utf8"))).toHaveProperty("mappings");
    expect(files.get("handlers/hello.mjs")?.toString("utf8")).not.toContain("sourceMappingURL");
    const extracted = join(root, "extracted.mjs");
    writeFileSync(extracted, files.get("handlers/hello.mjs") ?? "");
    const mod = (await import(pathToFileURL(extracted).href)) as {
      handler: (e: { name: string }) => Promise<unknown>;
    };
    await expect(mod.handler({ name: "kjp" })).resolves.toEqual({ text: "hello kjp", sha: 40 });
  });

  it("puts code behind a dynamic import() into a chunk that init does not load, and it still runs", async () => {
    writeFileSync(join(root, "lib/rare.ts"), "export const rare = (n: number): number => n * 2;\n");
    writeFileSync(
      join(root, "handlers/lazy.ts"),
      'import { greet } from "../lib/greet.js";\n' +
        'export const handler = async (e: { n: number }) => ({ text: greet("x"), twice: (await import("../lib/rare.js")).rare(e.n) });\n',
    );
    const built = await bundleFunction({ key: "lazy", handler: "handlers/lazy.handler" }, { root });
    expect(built.files[0]).toBe("handlers/lazy.mjs");
    expect(built.files.filter((f) => /^chunks\/rare-\w+\.mjs$/.test(f))).toHaveLength(1);
    expect(built.modules).toEqual(["handlers/lazy.ts", "lib/greet.ts", "lib/rare.ts"]);
    expect(built.initModules).toEqual(["handlers/lazy.ts", "lib/greet.ts"]);

    const dir = join(root, "lazy-extracted");
    for (const [path, data] of readZip(readFileSync(built.zip))) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), data);
    }
    const mod = (await import(pathToFileURL(join(dir, built.entry)).href)) as {
      handler: (e: { n: number }) => Promise<unknown>;
    };
    await expect(mod.handler({ n: 21 })).resolves.toEqual({ text: "hello x", twice: 42 });
  });

  it("names the missing handler source instead of producing an empty artifact", async () => {
    const missing = bundleFunction({ key: "ghost", handler: "handlers/ghost.handler" }, { root });
    await expect(missing).rejects.toBeInstanceOf(ConfigurationError);
    await expect(missing).rejects.toThrow(/handlers\/ghost\.ts does not exist/);
  });
});
