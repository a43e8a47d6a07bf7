#!/usr/bin/env bash
# The whole test suite (`npm test`): prerequisites, typecheck, lint, unit, serverless package check, integration on
# the embedded emulators, the browser (chromium: the HTTP path end to end), the Ruby gem (with its Rails app), the
# chaos run's short profile (dev/chaos). Every step runs even if an earlier one failed, so one
# run shows every problem. A step counts as failed when its exit status is non-zero, when a test runner wrote no
# report (a runner that died or was ended early cannot pass), or when its report counts a failure. The last line
# totals the tests of every suite (`N passed, N failed`; a failed non-test step counts as one failure) and the exit
# status is non-zero whenever that line counts a failure.
#
#   --only a,b,...   run only these steps (prerequisites typecheck lint unit serverless integration localstack browser ruby chaos)
#   KJP_TEST_RESULTS=dir   where the reports go (default .kjp/test-results)
#   KJP_CANARY=1     each runner runs only its planted failing test (test/canary/, producers/ruby/canary/):
#                    see scripts/test-canary.sh, which checks that every failure is reported and counted.
set -uo pipefail
cd "$(dirname "$0")/.."

only=""
while [ $# -gt 0 ]; do
  case $1 in
    --only) only=",$2,"; shift 2 ;;
    *) echo "usage: scripts/test-all.sh [--only step,step]" >&2; exit 2 ;;
  esac
done
out=${KJP_TEST_RESULTS:-.kjp/test-results}
rm -rf "$out" && mkdir -p "$out"
: >"$out/steps.tsv"
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

wanted() { [ -z "$only" ] || [[ $only == *",$1,"* ]]; }

# step NAME KIND COMMAND...: KIND is check (no test counts), jest (report $out/NAME.json) or minitest ($out/NAME.txt).
step() {
  local name=$1 kind=$2; shift 2
  wanted "$name" || return 0
  printf '\n=== %s: %s\n' "$name" "$*"
  local start=$SECONDS code
  "$@"
  code=$?
  local verdict=ok
  if [ "$code" -ne 0 ]; then verdict="FAILED (exit $code)"; fi
  if [ "$kind" = jest ] && [ ! -s "$out/$name.json" ]; then
    verdict="FAILED (Jest wrote no report: it was ended before it finished; exit $code)"
  fi
  printf '%s\t%s\t%s\n' "$name" "$kind" "$code" >>"$out/steps.tsv"
  printf '=== %s %s (%ss)\n' "$name" "$verdict" $((SECONDS - start))
}

jest_suite() {
  local name=$1; shift
  step "$name" jest env NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile="$out/$name.json" "$@"
}

prerequisites() {
  local missing
  if missing=$(bash scripts/install-system-deps.sh --check); then return 0; fi
  missing=$(echo $missing)
  if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
    echo "missing system packages: $missing; installing them with scripts/install-system-deps.sh"
    bash scripts/install-system-deps.sh
  else
    echo "missing system packages: $missing"
    echo "install them with: sudo bash scripts/install-system-deps.sh   (then run npm test again)"
    return 1
  fi
}

step prerequisites check prerequisites
step typecheck check npm run --silent typecheck
step lint check npm run --silent lint
jest_suite unit
jest_suite serverless -c jest.serverless.config.js
# The same integration suite on LocalStack (host mode) runs beside the embedded one: both mostly wait on emulators.
if wanted localstack; then
  # Its own state dir: the two suites must not share demo keys, env files or kjp dev data.
  KJP_STATE_DIR=.kjp/localstack-suite npm run --silent test:localstack -- --json-out "$(pwd)/$out/localstack.json" \
    >"$out/localstack.log" 2>&1 &
  localstack_pid=$!
fi
jest_suite integration -c jest.integration.config.js
localstack() { wait "$localstack_pid"; local code=$?; cat "$out/localstack.log"; return "$code"; }
step localstack jest localstack
# The chaos run shares nothing with the other suites (its own emulators on their own ports, its own KJP_STATE_DIR):
# it runs beside the browser and Ruby suites, after the two integration suites have freed the machine.
if wanted chaos; then
  NODE_OPTIONS=--experimental-vm-modules npx jest -c jest.chaos.config.js --ci --json --outputFile="$out/chaos.json" \
    >"$out/chaos.log" 2>&1 &
  chaos_pid=$!
fi
jest_suite browser -c jest.browser.config.js
# pipefail inside: tee must not turn a failed minitest run into success.
step ruby minitest bash -c 'set -o pipefail; bash producers/ruby/script/test 2>&1 | tee "$1"' ruby-suite "$out/ruby.txt"
chaos() { wait "$chaos_pid"; local code=$?; cat "$out/chaos.log"; return "$code"; }
step chaos jest chaos

node scripts/test-totals.mjs "$out"
