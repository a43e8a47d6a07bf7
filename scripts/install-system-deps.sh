#!/usr/bin/env bash
# System packages the local stack and the test suite need, from Debian, installed only when missing:
# Java 17+ (DynamoDB Local), Python 3 with venv (moto server in .venv), chromium (browser tests), Ruby, the gem's dependencies and the
# Rails test app's (producers/ruby/script/install-deps). Needs root (or sudo) only when something is missing.
#   --check   install nothing: print what is missing (one name per line) and exit 1 if anything is.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then need+=(openjdk-17-jre-headless); fi
if ! command -v python3 >/dev/null; then need+=(python3 python3-venv);
elif ! python3 -c 'import venv, ensurepip' 2>/dev/null; then need+=(python3-venv); fi
# The browser tests drive Debian's chromium with playwright-core (no browser download).
command -v chromium >/dev/null || need+=(chromium)

if [ "${1:-}" = "--check" ]; then
  ruby_missing=$(bash producers/ruby/script/install-deps --check) || true
  printf '%s\n' "${need[@]}" $ruby_missing | sed '/^$/d'
  [ ${#need[@]} -eq 0 ] && [ -z "$ruby_missing" ]
  exit
fi

if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
bash producers/ruby/script/install-deps
