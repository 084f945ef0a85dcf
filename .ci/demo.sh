#!/usr/bin/env bash
# The end-to-end demo behind `make demo`: builds machinehost and starts the test bench (a Docker
# engine of its own, images built locally), then drives real machines through the built `machine`
# executable in a fresh store, as a user would: a docker-driver machine made a TLS Docker host,
# reached with the real docker CLI and over SSH, stopped, started and removed. Prints every command.
set -euo pipefail
cd "$(dirname "$0")/.."

MACHINE=$PWD/dist/bin/machine
STORE=$(mktemp -d "${TMPDIR:-/tmp}/machinehost-demo.XXXXXX")
export MACHINE_STORAGE_PATH=$STORE
cleanup() {
  "$MACHINE" rm -f demo >/dev/null 2>&1 || true
  "$MACHINE" rm -f vm1 >/dev/null 2>&1 || true
  rm -rf "$STORE"
}
trap cleanup EXIT

run() {
  printf '\n$ %s\n' "$*"
  "$@"
}

echo "== building (make build)"
make -s build

echo "== the test bench: a Docker engine and the machine image (make testbed)"
make -s testbed
eval "$(make -s testbed-env)"

echo "== the none driver: an existing Docker host known by its URL (store: $STORE)"
run "$MACHINE" create -d none --url tcp://127.0.0.1:2376 m1
run "$MACHINE" ls
run "$MACHINE" status m1
run "$MACHINE" ip m1
run "$MACHINE" url m1
run "$MACHINE" inspect --format '{{.DriverName}} {{.Driver.URL}}' m1
run "$MACHINE" plugin ls
run "$MACHINE" rm -y m1

echo
echo "== the docker driver: a machine as a container, provisioned with a TLS Docker engine"
run "$MACHINE" create -d docker demo
run "$MACHINE" ls
run "$MACHINE" ssh demo -- uname -a
printf '\n$ eval "$(%s env demo)"\n' "$MACHINE"
eval "$("$MACHINE" env demo)"
run docker info --format 'engine {{.Name}}: {{.ServerVersion}}, {{.Containers}} containers'
run "$MACHINE" stop demo
run "$MACHINE" status demo
run "$MACHINE" start demo
run docker version --format 'engine back: {{.Server.Version}}'
run "$MACHINE" rm -y demo
run "$MACHINE" ls

echo
echo "== the qemu driver: a real VM (KVM when it works here, TCG otherwise) from the Debian image"
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  echo "skipped: QEMU is not installed (apt-get install --no-install-recommends qemu-system-x86 qemu-utils)"
elif [ "$(id -u)" != 0 ] && [ ! -d "${VM_IMAGE_CACHE:-/var/cache/machinehost/qemu}" ]; then
  echo "skipped: building the machine image needs root (or run make vm-image as root first)"
else
  # The image is built once per recipe (a few minutes), into a cache shared with the tests.
  cache=${VM_IMAGE_CACHE:-/var/cache/machinehost/qemu}
  run make -s vm-image VM_IMAGE_CACHE="$cache"
  mkdir -p "$STORE/cache/qemu"
  ln -s "$(plugins/qemu/src/main/image/build-image.sh --print-dir "$cache")" "$STORE/cache/qemu/"
  run "$MACHINE" create -d qemu vm1
  printf '\n$ eval "$(%s env vm1)"\n' "$MACHINE"
  eval "$("$MACHINE" env vm1)"
  run docker info --format '{{.Name}}'
  run "$MACHINE" ssh vm1 -- 'echo kept > ~/kept.txt'
  run "$MACHINE" stop vm1
  run "$MACHINE" start vm1
  run "$MACHINE" ssh vm1 -- cat '~/kept.txt'
  run "$MACHINE" rm -y vm1
  run "$MACHINE" ls
fi

echo
echo "demo finished: every machine it made is removed"
