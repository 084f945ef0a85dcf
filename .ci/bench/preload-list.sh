#!/usr/bin/env bash
# Records the classes the machine CLI loads for commands that talk to a driver (ls, status, inspect,
# create, rm; with a warm plugin and with a fresh launch) into the list that ClassPreload loads on a
# second core. Run after a build when dependencies change:  .ci/bench/preload-list.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
MACHINE=${DIST:-$PWD/dist}/bin/machine
OUT=host/src/main/resources/io/machinehost/host/plugin/preload.txt
WORK=$(mktemp -d /tmp/machinehost-preload.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export MACHINE_STORAGE_PATH=$WORK/store MACHINEHOST_PRELOAD=0
log() { MACHINEHOST_JAVA_OPTS="-Xlog:class+load:file=$WORK/log-%p.txt" "$MACHINE" "$@" >/dev/null 2>&1; }
log create -d none --url tcp://127.0.0.1:2376 m0
log ls
log status m0
log inspect m0
log create -d none --url tcp://127.0.0.1:2376 m1
log rm -y m1
MACHINEHOST_PLUGIN_REUSE=0 log ls
{
  echo "# Classes loaded by machine commands that reach a driver; written by .ci/bench/preload-list.sh."
  for f in "$WORK"/log-*.txt; do
    # only the host's logs: the plugin's classes come from its own executable
    if grep -q "source: file:.*/bin/machine$" "$f"; then cat "$f"; fi
  done | grep -E "source: (file:.*/bin/machine$|jrt:/)" | awk '{print $2}' \
    | grep -v -E '\$\$Lambda|\$Proxy|^jdk\.internal\.reflect\.Generated|^picocli\.|^io\.machinehost\.host\.(MachineCli|command\.)' \
    | awk '!seen[$0]++'
} >"$OUT"
echo "wrote $(wc -l <"$OUT") class names to $OUT"
