#!/usr/bin/env bash
# Self-check of the test plumbing (`npm run test:canary`, run by CI before `npm test`): plants one failing test
# in each runner — unit Jest, integration Jest on the emulators and on LocalStack, the browser suite, minitest, the
# chaos suite (whose planted failure is a chaos run over a table it corrupted itself) —
# runs them through scripts/test-all.sh exactly as `npm test` does, and passes only if every runner reported its
# failure with a non-zero exit, the run as a whole exited non-zero, and the closing line counted each planted
# test (one pass and one failure per runner). If this goes red, `npm test` can report green while tests fail:
# fix that before trusting any run.
set -uo pipefail
cd "$(dirname "$0")/.."

runners=(unit integration localstack browser ruby chaos)
results=.kjp/canary-results
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Shown with a prefix: the planted run's closing line must not be read as the closing line of a real run.
KJP_CANARY=1 KJP_TEST_RESULTS=$results bash scripts/test-all.sh --only "$(IFS=,; echo "${runners[*]}")" 2>&1 |
  tee "$log" | sed 's/^/canary | /'
code=${PIPESTATUS[0]}

problems=()
[ "$code" -ne 0 ] || problems+=("the run exited 0 although every runner had a failing test")
for r in "${runners[@]}"; do
  grep -qE "^=== $r FAILED \(exit [1-9]" "$log" || problems+=("runner '$r' did not report its planted failure with a non-zero exit")
  grep -qE "^  $r +1 passed, 1 failed$" "$log" || problems+=("runner '$r': the totals did not count its 1 pass and 1 failure")
done
want="${#runners[@]} passed, ${#runners[@]} failed"
last=$(tail -n 1 "$log")
[ "$last" = "$want" ] || problems+=("closing line was '$last', expected '$want'")

echo
if [ ${#problems[@]} -eq 0 ]; then
  echo "canary: ok: every runner (${runners[*]}) reported its planted failure and the totals counted it"
  exit 0
fi
echo "canary: FAILED: a test run can hide failures:"
printf '  - %s\n' "${problems[@]}"
exit 1
