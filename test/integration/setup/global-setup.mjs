// Jest loads globalSetup outside its module mapper and transform pipeline, so the TypeScript session code
// (NodeNext `.js` imports of `.ts` files) is bundled with esbuild first and then imported natively.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export default async function globalSetup() {
  // Node 20 is the supported local runtime: keep the AWS SDK notice about it out of the test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const outDir = join(root, ".kjp", "build");
  mkdirSync(outDir, { recursive: true });
  // One file per process: two integration runs side by side must not overwrite each other's bundle mid-import.
  const outfile = join(outDir, `integration-stack-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, "test/integration/setup/stack-session.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile,
    logLevel: "warning",
  });
  const { startIntegrationStack } = await import(pathToFileURL(outfile).href);
  globalThis.__KJP_INTEGRATION_STACK__ = await startIntegrationStack();
}
