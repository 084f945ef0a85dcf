#!/usr/bin/env bash
# make bench: wall time of the machine CLI against none-driver stores of 1, 10, 50 and 500
# machines, single-machine commands, plugin launch and GetState round trips, and peak memory.
# Writes bench/results.json and prints a table. Every figure is measured twice: warm (the default:
# the command server answers read-only commands and plugins stay warm) and with
# MACHINEHOST_PLUGIN_REUSE=0 (every command in its own JVM, one plugin launch per command).
#
#   RUNS=10 WARMUP=2 DIST=dist MODES="reuse noreuse" .ci/bench/bench.sh [scenario-regex]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DIST=${DIST:-$ROOT/dist}
DIST=$(cd "$DIST" && pwd)
MACHINE=$DIST/bin/machine
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
ONLY=${1:-.}
MODES=${MODES:-reuse noreuse}
OUT=${OUT:-$ROOT/bench/results.json}
URL=tcp://127.0.0.1:2376

[ -x "$MACHINE" ] || { echo "bench: $MACHINE not found; run make build first" >&2; exit 1; }
if ! command -v hyperfine >/dev/null; then
  echo "bench: installing hyperfine" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q hyperfine >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q hyperfine >/dev/null; }
  else sudo apt-get install -y -q hyperfine >/dev/null; fi
fi

WORK=$(mktemp -d /tmp/machinehost-bench.XXXXXX)
RAW=$WORK/raw
mkdir -p "$RAW"
# A runtime directory of the bench's own: its command server is not the user's, and ends with it.
export XDG_RUNTIME_DIR=$WORK/run
cleanup() {
  # Warm plugins exit when their store is gone; remove the stores first, then wait for them.
  local pids
  pids=$(cat "$WORK"/stores/*/run/*.json 2>/dev/null | jq -r '.pid // empty' 2>/dev/null || true)
  pids="$pids ${SERVER_PID:-}" # the command server exits when every store it served is gone
  rm -rf "$WORK"
  for p in $pids; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
}
trap cleanup EXIT

# A store of N none machines: one created by the CLI, the others copies of its directory under
# another name, which is what N creates would have written.
make_store() {
  local n=$1 dir=$WORK/stores/$2
  mkdir -p "$dir"
  MACHINE_STORAGE_PATH=$dir MACHINEHOST_PLUGIN_REUSE=0 "$MACHINE" create -d none --url "$URL" m0 >/dev/null 2>&1
  local i
  for ((i = 1; i < n; i++)); do
    cp -r "$dir/machines/m0" "$dir/machines/m$i"
    sed -i "s/\"m0\"/\"m$i\"/g" "$dir/machines/m$i/config.json"
  done
  echo "$dir"
}

echo "== bench: $(uptime)" >&2
uptime | sed 's/.*load average: //' >"$RAW/load-before.txt"
for n in 1 10 50 500; do make_store "$n" "ls$n" >/dev/null; done
cp -r "$WORK/stores/ls1/machines/m0" "$WORK/template-m0"

# With reuse on, a read-only command is answered by the warm command server once one is up: start
# it and wait until it answers, so the runs below time the steady state and not its start-up.
# Its PID is kept for the memory figures.
SERVER_PID=
await_server() {
  local store=$WORK/stores/$1 i err
  for i in $(seq 100); do
    err=$(MACHINE_STORAGE_PATH=$store MACHINEHOST_PLUGIN_REUSE=1 "$MACHINE" --debug version 2>&1 >/dev/null || true)
    if [[ $err =~ answered\ by\ the\ command\ server,\ pid\ ([0-9]+) ]]; then
      SERVER_PID=${BASH_REMATCH[1]}
      return 0
    fi
    sleep 0.3
  done
  echo "bench: no command server answered after 30 s; timing in-process runs" >&2
}

# name, store, command (run through sh by hyperfine), optional --prepare
scenario() {
  local name=$1 store=$2 cmd=$3 prepare=${4:-}
  [[ $name =~ $ONLY ]] || return 0
  for mode in $MODES; do
    local reuse=1
    [ "$mode" = noreuse ] && reuse=0
    local args=(--style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$RAW/$name.$mode.json")
    [ -n "$prepare" ] && args+=(--prepare "$prepare")
    [ "$mode" = reuse ] && await_server "$store"
    echo "-- $name ($mode)" >&2
    MACHINE_STORAGE_PATH=$WORK/stores/$store MACHINEHOST_PLUGIN_REUSE=$reuse \
      hyperfine "${args[@]}" "$cmd" >/dev/null 2>"$RAW/$name.$mode.err" || { cat "$RAW/$name.$mode.err" >&2; exit 1; }
  done
}

scenario version ls1 "$MACHINE version"
for n in 1 10 50 500; do scenario "ls-$n" "ls$n" "$MACHINE ls"; done
for c in status ip url inspect; do scenario "$c" ls1 "$MACHINE $c m0"; done
scenario create ls1 "$MACHINE create -d none --url $URL c" "rm -rf $WORK/stores/ls1/machines/c"
scenario rm ls1 "$MACHINE rm -y r" "rm -rf $WORK/stores/ls1/machines/r; cp -r $WORK/template-m0 $WORK/stores/ls1/machines/r; sed -i 's/\"m0\"/\"r\"/g' $WORK/stores/ls1/machines/r/config.json"

# Every process below a PID (only ours: other users' plugins on this machine are not counted).
descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do
    echo "$child"
    descendants "$child"
  done
}

# Peak RSS during a 50-machine ls: the host (the front end, when a server answers) by
# /usr/bin/time, the plugin by its VmHWM (the kernel's high-water mark), read until it exits or,
# when it stays warm, after the ls; and the command server's VmHWM, which covers its whole life.
peak_rss() {
  local mode=$1 reuse=1 store=$WORK/stores/ls50
  [ "$mode" = noreuse ] && reuse=0
  [ "$mode" = reuse ] && await_server ls50 # it idles out while create and rm are timed
  MACHINE_STORAGE_PATH=$store MACHINEHOST_PLUGIN_REUSE=$reuse "$MACHINE" ls >/dev/null 2>&1 # warm
  MACHINE_STORAGE_PATH=$store MACHINEHOST_PLUGIN_REUSE=$reuse \
    /usr/bin/time -f '%M' -o "$RAW/rss-host.$mode.txt" "$MACHINE" ls >/dev/null 2>&1 &
  local timer=$! plugin_kb=0 pids
  while kill -0 "$timer" 2>/dev/null; do
    pids=$(descendants "$timer")
    for p in $pids; do
      { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q machine-driver- || continue
      local kb
      kb=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
      [ -n "$kb" ] && [ "$kb" -gt "$plugin_kb" ] && plugin_kb=$kb
    done
    sleep 0.02
  done
  wait "$timer"
  if [ -f "$store/run/none.json" ]; then
    local warm kb
    warm=$(jq -r '.pid' "$store/run/none.json")
    kb=$(awk '/VmHWM/ {print $2}' "/proc/$warm/status" 2>/dev/null || echo 0)
    [ "$kb" -gt "$plugin_kb" ] && plugin_kb=$kb
  fi
  echo "$plugin_kb" >"$RAW/rss-plugin.$mode.txt"
  if [ "$mode" = reuse ] && [ -n "$SERVER_PID" ]; then
    awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null >"$RAW/rss-server.$mode.txt" || true
    [ -s "$RAW/rss-server.$mode.txt" ] || rm -f "$RAW/rss-server.$mode.txt"
  fi
}
if [[ rss =~ $ONLY ]]; then
  echo "-- peak RSS" >&2
  for mode in $MODES; do peak_rss "$mode"; done
fi

if [[ plugin-bench =~ $ONLY ]]; then
  echo "-- machine plugin bench none" >&2
  MACHINE_STORAGE_PATH=$WORK/stores/ls1 "$MACHINE" plugin bench none --launches "$RUNS" --calls 5000 \
    --json "$RAW/plugin-bench.json" -- --url "$URL" >/dev/null
fi

uptime | sed 's/.*load average: //' >"$RAW/load-after.txt"
mkdir -p "$(dirname "$OUT")"
rm -rf "$(dirname "$OUT")/raw" && cp -r "$RAW" "$(dirname "$OUT")/raw"
java -cp "${REPORT_JAR:-$MACHINE}" io.machinehost.host.bench.BenchReport "$RAW" "$OUT"
echo "wrote $OUT" >&2
