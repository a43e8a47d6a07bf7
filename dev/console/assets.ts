import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { projectRoot } from "../../lib/util/project-root.js";

export interface Assets {
  "/": string;
  "/app.js": string;
  "/style.css": string;
}

/**
 * The page, its script and its stylesheet. The script is TypeScript (dev/console/web/app.ts) bundled in memory
 * with esbuild when the console starts: nothing to build beforehand, and one small file for the browser.
 */
export async function loadAssets(): Promise<Assets> {
  const web = join(projectRoot(), "dev", "console", "web");
  const [html, css, bundle] = await Promise.all([
    readFile(join(web, "index.html"), "utf8"),
    readFile(join(web, "style.css"), "utf8"),
    build({
      entryPoints: [join(web, "app.ts")],
      bundle: true,
      write: false,
      format: "esm",
      target: "es2022",
      minify: true,
      legalComments: "none",
      logLevel: "warning",
    }),
  ]);
  return { "/": html, "/app.js": bundle.outputFiles[0]!.text, "/style.css": css };
}
