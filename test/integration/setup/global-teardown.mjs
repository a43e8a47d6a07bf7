import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Stops the emulators globalSetup started (nothing when an external stack such as LocalStack was used). */
export default async function globalTeardown() {
  const stack = globalThis.__KJP_INTEGRATION_STACK__;
  globalThis.__KJP_INTEGRATION_STACK__ = undefined;
  await stack?.stop();
  rmSync(join(root, ".kjp", "build", `integration-stack-${process.pid}.mjs`), { force: true });
}
