import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import type { FunctionDefinition } from "../service-definition/service-definition.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { modulesLoadedAtInit } from "./init-modules.js";
import { createZip } from "./zip.js";

export interface BuiltArtifact {
  function: string;
  zip: string;
  bytes: number;
  /** The module inside the zip, e.g. handlers/consumer.mjs. */
  entry: string;
  /** Every file in the zip: the entry, and the chunks (chunks/…) it imports statically or loads on demand. */
  files: string[];
  /**
   * The entry's source map, beside the zip (e.g. .build/lambda/consumer.mjs.map), never inside it: Lambda
   * would only pay for it at cold start. Its sources are relative to the staged bundle's folder. The chunks'
   * maps sit in a folder beside it (.build/lambda/consumer.maps/chunks/…).
   */
  sourceMap: string;
  /** Every module in the bundle, relative to the project root. */
  modules: string[];
  /** The modules evaluated when the entry is imported (Lambda's init): not those behind a dynamic import(). */
  initModules: string[];
}

export interface BundleOptions {
  /** Project root: handler sources and artifact paths are relative to it. */
  root: string;
  /** Where to write the zip; default the function's package.artifact. */
  zipPath?: string;
  minify?: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
  );
}

/**
 * Bundles one function (handler `handlers/consumer.handler` → source handlers/consumer.ts) into an ESM module
 * at the path Lambda expects (`handlers/consumer.mjs` at the zip root) and zips it. Everything is bundled,
 * AWS SDK included, so the deployed code runs the versions the tests ran. Code reached only through a dynamic
 * `import()` (the KPL reader, the SSM and Secrets Manager clients) goes into chunks/ inside the same zip: the
 * runtime neither parses nor evaluates it at init, only when that code first runs.
 */
export async function bundleFunction(
  fn: Pick<FunctionDefinition, "key" | "handler"> & { artifact?: string | undefined },
  options: BundleOptions,
): Promise<BuiltArtifact> {
  const modulePath = fn.handler.slice(0, fn.handler.lastIndexOf("."));
  const source = [".ts", ".mts", ".js", ".mjs"]
    .map((ext) => resolve(options.root, modulePath + ext))
    .find((p) => existsSync(p));
  if (!source) {
    throw new ConfigurationError(
      `function ${fn.key}: handler source ${modulePath}.ts does not exist`,
      `Write ${modulePath}.ts exporting \`${fn.handler.split(".").pop()}\`.`,
    );
  }
  const zipPath = resolve(options.root, options.zipPath ?? fn.artifact ?? `.build/lambda/${fn.key}.zip`);
  const stageDir = join(dirname(zipPath), `${fn.key}-bundle`);
  rmSync(stageDir, { recursive: true, force: true });
  const entry = `${modulePath}.mjs`;
  const { metafile } = await build({
    absWorkingDir: options.root,
    entryPoints: { [modulePath]: source },
    outdir: stageDir,
    outExtension: { ".js": ".mjs" },
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    metafile: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: options.minify ?? true,
    keepNames: true,
    // External: no sourceMappingURL comment, and the maps leave the zip (see sourceMap above).
    sourcemap: "external",
    sourcesContent: false,
    legalComments: "none",
    logLevel: "warning",
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins (in every chunk).
    banner: {
      js: "import { createRequire as __kjpCreateRequire } from 'node:module'; const require = __kjpCreateRequire(import.meta.url);",
    },
  });
  mkdirSync(dirname(zipPath), { recursive: true });
  const base = basename(zipPath, ".zip");
  const sourceMap = join(dirname(zipPath), `${base}.mjs.map`);
  const maps = walk(stageDir).filter((f) => f.endsWith(".map"));
  for (const map of maps) {
    const inBundle = relative(stageDir, map);
    const to = inBundle === `${entry}.map` ? sourceMap : join(dirname(zipPath), `${base}.maps`, inBundle);
    mkdirSync(dirname(to), { recursive: true });
    renameSync(map, to);
  }
  const files = walk(stageDir)
    .map((f) => relative(stageDir, f).split("\\").join("/"))
    .sort((a, b) => (a === entry ? -1 : b === entry ? 1 : a.localeCompare(b)));
  const zip = createZip(files.map((f) => ({ path: f, data: readFileSync(join(stageDir, f)) })));
  writeFileSync(zipPath, zip);
  const modules = Object.keys(metafile.inputs).sort();
  const initModules = modulesLoadedAtInit(metafile, relative(options.root, source).split("\\").join("/"));
  return { function: fn.key, zip: zipPath, bytes: zip.length, entry, files, sourceMap, modules, initModules };
}
