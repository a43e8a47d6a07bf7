// Planted on purpose: scripts/test-canary.sh runs this through the unit runner and passes only if the failure
// below is reported (non-zero exit) and counted in `npm test`'s closing line. Never part of a normal run.
test("canary: a passing test is counted", () => {
  expect(1 + 1).toBe(2);
});

test("canary: a failing test must turn the run red", () => {
  expect("planted failure").toBe("reported");
});
