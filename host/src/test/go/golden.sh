#!/usr/bin/env bash
# The gob codec's golden files are Go's own bytes, committed under host/src/test/resources so that
# the Java unit tests run in any `mvn install`, with or without Go. This script regenerates them
# with encoding/gob and either compares (--check, what CI runs: a difference fails) or writes them
# (--write, after changing a case in src/gobgolden).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/../resources/io/machinehost/host/legacy/gob"
mode="${1:---check}"
bin="$("$here/build.sh")"
status=0
for c in $("$bin/gobgolden" -list); do
  "$bin/gobgolden" "$c" >"$dir/$c.gob.new"
  if [ "$mode" = --write ]; then
    mv "$dir/$c.gob.new" "$dir/$c.gob"
  elif cmp -s "$dir/$c.gob.new" "$dir/$c.gob"; then
    rm "$dir/$c.gob.new"
  else
    echo "golden.sh: $c.gob differs from what encoding/gob writes now (see $c.gob.new; run $0 --write)" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "golden gob files match encoding/gob ($(go version | cut -d' ' -f3))"
exit $status
