import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../util/project-root.js";
import { REASON_DESCRIPTIONS, REJECTION_REASONS, VERIFY_REASONS } from "./reasons.js";

// docs/contract.md is normative: its reason table must say exactly what the code says (spacing aside,
// since prettier aligns the table).
test("docs/contract.md lists every reason code, in check order, with its description", () => {
  const doc = readFileSync(join(projectRoot(), "docs", "contract.md"), "utf8");
  const rows = new Map(
    doc
      .split("\n")
      .map((line) => line.split("|").map((cell) => cell.trim()))
      .filter((cells) => cells.length === 5 && /^`[a-z_]+`$/.test(cells[2]!))
      .map((cells) => [cells[2]!.slice(1, -1), { order: cells[1], meaning: cells[3] }]),
  );
  VERIFY_REASONS.forEach((reason, i) => {
    expect(rows.get(reason)).toEqual({ order: String(i + 1), meaning: REASON_DESCRIPTIONS[reason] });
  });
  expect(rows.get("aggregate")?.meaning).toBe(REASON_DESCRIPTIONS.aggregate);
  expect(rows.get("processor")?.meaning).toBe(REASON_DESCRIPTIONS.processor);
  // Nor a reason the code does not have: the consumer fuzz holds every rejection to REJECTION_REASONS, so the
  // table and that list must be the same set.
  expect([...rows.keys()].sort()).toEqual([...REJECTION_REASONS].sort());
});
