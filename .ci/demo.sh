#!/usr/bin/env bash
# The end-to-end demo behind `make demo`: builds machinehost, then drives real machines through the
# built `machine` executable in a fresh store, as a user would. Prints every command it runs.
set -euo pipefail
cd "$(dirname "$0")/.."

MACHINE=$PWD/dist/bin/machine
STORE=$(mktemp -d "${TMPDIR:-/tmp}/machinehost-demo.XXXXXX")
export MACHINE_STORAGE_PATH=$STORE
trap 'rm -rf "$STORE"' EXIT

run() {
  printf '\n$ %s\n' "$*"
  "$@"
}

echo "== building (make build)"
make -s build

echo "== the none driver: an existing Docker host known by its URL (store: $STORE)"
run "$MACHINE" create -d none --url tcp://127.0.0.1:2376 m1
run "$MACHINE" ls
run "$MACHINE" status m1
run "$MACHINE" ip m1
run "$MACHINE" url m1
run "$MACHINE" inspect --format '{{.DriverName}} {{.Driver.URL}}' m1
run "$MACHINE" plugin ls
run "$MACHINE" rm -y m1
run "$MACHINE" ls

echo
echo "demo finished: every machine it made is removed"
