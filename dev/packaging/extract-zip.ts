import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readZip } from "./read-zip.js";

/**
 * Unzips a built function (its entry and the chunks it loads later) into `into`, as Lambda extracts it, and
 * returns the entry's path there: a bench that imports only the entry file would miss its chunks.
 */
export function extractZip(zip: string, entry: string, into: string): string {
  for (const [path, data] of readZip(readFileSync(zip))) {
    mkdirSync(dirname(join(into, path)), { recursive: true });
    writeFileSync(join(into, path), data);
  }
  return join(into, entry);
}
