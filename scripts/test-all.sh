#!/usr/bin/env bash
# The whole test suite (`npm test`): typecheck, lint, unit, serverless package check, integration on the embedded
# emulators, the Ruby gem. Every suite runs even if an earlier one failed, so one run shows every problem; the exit
# code is non-zero if any failed, and the last line totals the tests of all suites.
set -uo pipefail
cd "$(dirname "$0")/.."
out=.kjp/test-results
rm -rf "$out" && mkdir -p "$out"
failed_suites=()

step() {
  local name=$1; shift
  printf '\n=== %s: %s\n' "$name" "$*"
  local start=$SECONDS
  if "$@"; then printf '=== %s ok (%ss)\n' "$name" $((SECONDS - start)); else
    printf '=== %s FAILED (%ss)\n' "$name" $((SECONDS - start)); failed_suites+=("$name"); fi
}

jest_suite() {
  local name=$1; shift
  step "$name" env NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile="$out/$name.json" "$@"
}

step typecheck npx tsc -p tsconfig.json --noEmit
step lint npm run --silent lint
jest_suite unit
jest_suite serverless -c jest.serverless.config.js
jest_suite integration -c jest.integration.config.js
step ruby bash -c "bash producers/ruby/script/test 2>&1 | tee $out/ruby.txt"

node scripts/test-totals.mjs "$out"
if [ ${#failed_suites[@]} -gt 0 ]; then
  echo "failed suites: ${failed_suites[*]}"
  exit 1
fi
