import { withProgress } from "./progress-ticker.js";

test("a wait longer than the interval says it is still going; a short one says nothing", async () => {
  const lines: string[] = [];
  const slow = new Promise((resolve) => setTimeout(() => resolve("done"), 130));
  await expect(withProgress("starting the emulators", slow, (l) => lines.push(l), 50)).resolves.toBe("done");
  expect(lines.length).toBeGreaterThanOrEqual(1);
  expect(lines[0]).toMatch(/^ {2}\.\.\. still starting the emulators \(\d+ s\)$/);
  const quiet: string[] = [];
  await withProgress("x", Promise.resolve(1), (l) => quiet.push(l), 50);
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(quiet).toEqual([]);
});
