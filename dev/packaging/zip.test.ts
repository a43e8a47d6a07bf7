import { readZip } from "./read-zip.js";
import { createZip } from "./zip.js";

describe("createZip", () => {
  const entries = [
    {
      path: "handlers/consumer.mjs",
      data: Buffer.from("export const handler = async () => 'ok';\n".repeat(50)),
    },
    { path: "handlers/consumer.mjs.map", data: Buffer.from("{}") },
    { path: "empty.txt", data: Buffer.alloc(0) },
  ];

  it("round-trips every file through the central directory", () => {
    const files = readZip(createZip(entries));
    expect([...files.keys()]).toEqual(entries.map((e) => e.path));
    for (const e of entries) expect(files.get(e.path)?.equals(e.data)).toBe(true);
  });

  it("is deterministic: the same files give the same bytes", () => {
    expect(createZip(entries).equals(createZip(entries))).toBe(true);
  });
});
