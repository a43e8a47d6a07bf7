import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";

/**
 * Imports flow one way (docs/architecture.md §2): no module imports itself through others, no two folders
 * import each other (directly or round a longer loop), and shipped code never reaches dev/, cli/ or bench/.
 * A folder is a top-level folder, or one level deeper under lib/ and dev/ (lib/pipeline, dev/runner, ...).
 * Tests are left out: they may reach anywhere.
 */
const root = projectRoot();
const SOURCE_FOLDERS = ["handlers", "processors", "schemas", "lib", "dev", "cli", "bench"];
const SHIPPED = /^(handlers|processors|schemas|lib)(\/|$)/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(SPECIFIER)].map((m) => {
    const target = resolve(dirname(file), (m[1] ?? m[2])!);
    return relative(root, target.endsWith(".js") ? `${target.slice(0, -3)}.ts` : target);
  });
}

const folderOf = (file: string): string => {
  const [top, second] = file.split("/");
  return (top === "lib" || top === "dev") && second && !second.includes(".") ? `${top}/${second}` : top!;
};

/** Strongly connected components with more than one member (or a self-loop): the circles of a graph. */
function circles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

const files = SOURCE_FOLDERS.flatMap((f) => sources(join(root, f))).map((f) => relative(root, f));
const fileGraph = new Map(files.map((f) => [f, new Set(importsOf(join(root, f)))]));
const folderGraph = new Map<string, Set<string>>();
for (const [file, targets] of fileGraph) {
  const from = folderOf(file);
  const edges = folderGraph.get(from) ?? new Set<string>();
  for (const target of targets) if (folderOf(target) !== from) edges.add(folderOf(target));
  folderGraph.set(from, edges);
}

describe("import direction", () => {
  test("the check reads the tree (it sees the pipeline importing the ledger)", () => {
    expect(files.length).toBeGreaterThan(150);
    expect(folderGraph.get("lib/pipeline")).toContain("lib/ledger");
  });

  test("no module imports itself through other modules", () => {
    expect(circles(fileGraph)).toEqual([]);
  });

  test("no two folders import each other, directly or round a loop", () => {
    expect(circles(folderGraph)).toEqual([]);
  });

  test("shipped code imports only shipped code", () => {
    const leaks = [...fileGraph].flatMap(([file, targets]) =>
      SHIPPED.test(file) ? [...targets].filter((t) => !SHIPPED.test(t)).map((t) => `${file} -> ${t}`) : [],
    );
    expect(leaks).toEqual([]);
  });

  test("the cycle finder finds a circle when there is one", () => {
    const graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
      ["d", new Set(["a"])],
    ]);
    expect(circles(graph)).toEqual([["a", "b", "c"]]);
  });
});
