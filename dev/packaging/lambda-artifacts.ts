import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import type { FunctionDefinition } from "../service-definition/service-definition.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { createZip } from "./zip.js";

export interface BuiltArtifact {
  function: string;
  zip: string;
  bytes: number;
  /** The module inside the zip, e.g. handlers/consumer.mjs. */
  entry: string;
  /**
   * The bundle's source map, beside the zip (e.g. .build/lambda/consumer.mjs.map), never inside it: Lambda
   * would only pay for it at cold start. Its sources are relative to the staged bundle's folder.
   */
  sourceMap: string;
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
 * Bundles one function (handler `handlers/consumer.handler` → source handlers/consumer.ts) into a single ESM
 * file at the path Lambda expects (`handlers/consumer.mjs` at the zip root) and zips it. Everything is bundled,
 * AWS SDK included, so the deployed code runs the versions the tests ran.
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
  await build({
    entryPoints: [source],
    outfile: join(stageDir, entry),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: options.minify ?? true,
    keepNames: true,
    // External: no sourceMappingURL comment, and the map leaves the zip (see sourceMap above).
    sourcemap: "external",
    sourcesContent: false,
    legalComments: "none",
    logLevel: "warning",
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __kjpCreateRequire } from 'node:module'; const require = __kjpCreateRequire(import.meta.url);",
    },
  });
  mkdirSync(dirname(zipPath), { recursive: true });
  const sourceMap = join(dirname(zipPath), `${basename(zipPath, ".zip")}.mjs.map`);
  renameSync(join(stageDir, `${entry}.map`), sourceMap);
  const files = walk(stageDir).sort();
  const zip = createZip(
    files.map((f) => ({ path: relative(stageDir, f).split("\\").join("/"), data: readFileSync(f) })),
  );
  writeFileSync(zipPath, zip);
  return { function: fn.key, zip: zipPath, bytes: zip.length, entry, sourceMap };
}
