#!/usr/bin/env bash
# The whole test suite behind `make test`, from a fresh machine: installs what the tests need (the
# Python and Node drivers' packages, the test bench's Docker engine and images), then runs the Java
# unit and integration tests, the example drivers' own tests and the conformance kit.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=600 update -q
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
      --no-install-recommends "${missing[@]}"
  fi
}

echo "== C compiler for the native front end (host/src/main/c)"
apt_install gcc libc6-dev

echo "== example drivers' dependencies"
apt_install python3-grpcio python3-grpc-tools python3-protobuf python3-cryptography
(cd plugins/node-example && npm ci --no-audit --no-fund --loglevel=error)

echo "== Go test programs (legacy docker-machine protocol): build, and check the gob golden files"
apt_install golang-go
host/src/test/go/build.sh >/dev/null
host/src/test/go/golden.sh --check

echo "== test bench"
.ci/testbed/testbed.sh up
eval "$(.ci/testbed/testbed.sh env)"

echo "== the qemu driver's machine image (cached on this machine by its recipe's hash)"
apt_install qemu-system-x86 qemu-utils debootstrap e2fsprogs
export MACHINEHOST_VM_IMAGE_CACHE=/var/cache/machinehost/qemu
make -s vm-image VM_IMAGE_CACHE="$MACHINEHOST_VM_IMAGE_CACHE"
export VM_IMAGE_CACHE=$MACHINEHOST_VM_IMAGE_CACHE

echo "== Java unit and integration tests"
mvn -B install

echo "== example drivers' tests"
make -s examples

echo "== conformance kit"
make -s conformance

echo "== fault suite (x5)"
COUNT=5 make -s chaos
