#!/bin/sh
# End-to-end tests of machine-driver-pyproc: launches it as `machine` does and checks the wire.
# Needs Debian's python3-grpcio, python3-grpc-tools and python3-cryptography (for /usr/bin/python3).
# Prints "N passed, M failed" last; exits non-zero on any failure.
set -eu
cd "$(dirname "$0")"
exec /usr/bin/python3 tests/test_driver.py "$@"
