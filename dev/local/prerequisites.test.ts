import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { parseJavaMajor, requireJava17, requirePython3 } from "./prerequisites.js";

const dir = mkdtempSync(join(tmpdir(), "kjp-prereq-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in executable printing what `java -version` prints (to stderr, like the real one). */
function fakeJava(versionLine: string): string {
  const path = join(dir, `java-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, `#!/bin/sh\necho '${versionLine}' >&2\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("parseJavaMajor", () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ["something else", undefined],
  ])("%s → %s", (line, major) => expect(parseJavaMajor(line)).toBe(major));
});

describe("requireJava17", () => {
  it("accepts Java 17 and newer", () => {
    const java = fakeJava('openjdk version "21.0.1" 2023-10-17');
    expect(requireJava17(java)).toBe(java);
  });

  it("names the version found and how to install a newer one", () => {
    const error = (() => {
      try {
        requireJava17(fakeJava('openjdk version "11.0.2" 2019-01-15'));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toContain("Java 11");
    expect((error as ConfigurationError).hint).toContain("apt-get install openjdk-17-jre-headless");
  });

  it("says Java is missing when there is none", () => {
    expect(() => requireJava17(join(dir, "no-java"))).toThrow(/Java was not found/);
  });
});

describe("requirePython3", () => {
  it("says Python 3 is missing, and how to get it", () => {
    try {
      requirePython3(join(dir, "no-python"));
      throw new Error("expected a ConfigurationError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).message).toMatch(/Python 3 was not found/);
      expect((error as ConfigurationError).hint).toContain("python3-venv");
    }
  });

  it("accepts this machine's python3", () => {
    expect(requirePython3("python3")).toBe("python3");
  });
});
