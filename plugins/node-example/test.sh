#!/bin/sh
# End-to-end tests of machine-driver-nodeproc: launches it as `machine` does and checks the wire.
# Installs the locked npm dependencies first when node_modules is missing. Needs Node >= 20.
# Prints "N passed, M failed" last; exits non-zero on any failure.
set -eu
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
node --test --test-reporter=spec "$@" test/driver.test.js >"$out" 2>&1 || status=$?
cat "$out"
passed=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out")
failed=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out")
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -ne 0 ] || [ "${failed:-1}" != 0 ] || [ "${passed:-0}" = 0 ]; then
  exit 1
fi
