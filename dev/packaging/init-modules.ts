import type { Metafile } from "esbuild";

/**
 * The modules a bundle evaluates when its entry module is imported (a Lambda's init phase): everything the
 * entry reaches by static `import` or `require`, but not what is behind a dynamic `import()`, which is loaded
 * when that code runs. Paths as in the metafile (relative to the build's working directory). A `require` is
 * followed even if it sits in a function, so the answer errs on the side of "loaded at init".
 */
export function modulesLoadedAtInit(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const imported of metafile.inputs[path]?.imports ?? []) {
      if (imported.kind !== "dynamic-import" && !imported.external) stack.push(imported.path);
    }
  }
  return [...seen].sort();
}
