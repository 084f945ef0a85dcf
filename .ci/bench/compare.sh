#!/usr/bin/env bash
# make bench, second part: the issue's targets, side by side with docker-machine when a
# `docker-machine` binary is on PATH. Every round runs each client once per scenario, in turn
# (interleaved, so the machine's drifting load is shared alike); the table gives medians and the
# ratio of the warm native front end (else the Java one) to docker-machine. Columns:
#   native   dist/native/machine (the C front end) with the warm command server and plugin
#   java     dist/bin/machine (the Java front end), warm
#   cold     dist/bin/machine under MACHINEHOST_PLUGIN_REUSE=0: a JVM and a plugin per command
#   dm       docker-machine, none driver, a store of its own
# Rows "first status" restart the server (or everything) before each timed run; a new server is
# timed once its self-warm-up is done.
#
#   ROUNDS=10 FIRST_ROUNDS=5 DIST=dist .ci/bench/compare.sh   (ROUNDS=0: the first-status rows only)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DIST=$(cd "${DIST:-$ROOT/dist}" && pwd)
ROUNDS=${ROUNDS:-10}
URL=tcp://127.0.0.1:2376
JAVA_FE=$DIST/bin/machine
NATIVE=$DIST/native/machine
[ -x "$NATIVE" ] || NATIVE=
DM=$(command -v docker-machine || true)
[ -x "$JAVA_FE" ] || { echo "compare: $JAVA_FE not found; run make build first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/machinehost-compare.XXXXXX)
export XDG_RUNTIME_DIR=$WORK/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
SAMPLES=$WORK/samples
mkdir -p "$SAMPLES"
export MACHINEHOST_PLUGIN_IDLE=${MACHINEHOST_PLUGIN_IDLE:-600}

# The PIDs this bench started that stay up (servers, warm plugins): ended by PID when it is done.
pids_of_store() {
  cat "$1"/run/*.json 2>/dev/null | jq -r '.pid // empty' 2>/dev/null || true
}
SERVERS=()
cleanup() {
  local p pids="${SERVERS[*]:-}"
  for s in "$WORK"/mh-*/*; do pids="$pids $(pids_of_store "$s")"; done
  rm -rf "$WORK" # servers and plugins exit when their stores are gone
  for p in $pids; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

# make_store CLIENT DIR N: N none machines, one created by the client, the others copies.
make_store() {
  local client=$1 dir=$2 n=$3 i
  mkdir -p "$dir"
  MACHINE_STORAGE_PATH=$dir MACHINEHOST_PLUGIN_REUSE=0 $client create -d none --url "$URL" m0 >/dev/null 2>&1
  for ((i = 1; i < n; i++)); do
    cp -r "$dir/machines/m0" "$dir/machines/m$i"
    sed -i "s/\"m0\"/\"m$i\"/g" "$dir/machines/m$i/config.json"
  done
}

COLUMNS_=(java cold)
[ -n "$NATIVE" ] && COLUMNS_=(native "${COLUMNS_[@]}")
[ -n "$DM" ] && COLUMNS_+=(dm)
for c in "${COLUMNS_[@]}"; do
  case $c in
    native) bin=$NATIVE ;; java | cold) bin=$JAVA_FE ;; dm) bin=$DM ;;
  esac
  for n in 1 50 500; do make_store "$bin" "$WORK/mh-$c/ls$n" "$n"; done
done

# client COLUMN: the command line and environment of a column.
client() {
  case $1 in
    native) echo "env MACHINEHOST_PLUGIN_REUSE=1 $NATIVE" ;;
    java) echo "env MACHINEHOST_PLUGIN_REUSE=1 $JAVA_FE" ;;
    cold) echo "env MACHINEHOST_PLUGIN_REUSE=0 $JAVA_FE" ;;
    dm) echo "$DM" ;;
  esac
}

# await_server COLUMN STORE: runs version until the server answers; prints its PID.
await_server() {
  local err i
  for i in $(seq 150); do
    err=$(MACHINE_STORAGE_PATH=$2 $(client "$1") --debug version 2>&1 >/dev/null || true)
    if [[ $err =~ answered\ by\ the\ command\ server,\ pid\ ([0-9]+) ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
    sleep 0.2
  done
  echo "compare: no command server for $1 after 30 s" >&2
  return 1
}

# time_ms STORE CMD...: runs a command with the store, prints its wall time in ms.
time_ms() {
  local store=$1 t0 t1
  shift
  t0=$EPOCHREALTIME
  MACHINE_STORAGE_PATH=$store "$@" >/dev/null 2>&1 </dev/null || true
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}

sample() { echo "$3" >>"$SAMPLES/$1.$2"; }

# Warm steady state: servers up and plugins warm first.
for c in native java; do
  [[ " ${COLUMNS_[*]} " == *" $c "* ]] || continue
  pid=$(await_server "$c" "$WORK/mh-$c/ls1") && SERVERS+=("$pid")
  MACHINE_STORAGE_PATH=$WORK/mh-$c/ls1 $(client "$c") status m0 >/dev/null 2>&1 || true
done

echo "== compare: $ROUNDS interleaved rounds; $(uptime)" >&2
uptime | sed 's/.*load average: //' >"$WORK/load-before"
for ((r = 1; r <= ROUNDS; r++)); do
  for c in "${COLUMNS_[@]}"; do
    cl=$(client "$c")
    s=$WORK/mh-$c
    sample version "$c" "$(time_ms "$s/ls1" $cl version)"
    for q in status ip url inspect; do sample "$q" "$c" "$(time_ms "$s/ls1" $cl $q m0)"; done
    for n in 1 50 500; do sample "ls-$n" "$c" "$(time_ms "$s/ls$n" $cl ls)"; done
    sample create+rm "$c" "$(time_ms "$s/ls1" sh -c "$cl create -d none --url $URL c && $cl rm -y c")"
  done
  echo "   round $r done" >&2
done

# The first status after the command server started (a new server each run), and the first
# command with nothing running (no server, no plugin).
first_rounds=${FIRST_ROUNDS:-$(( ROUNDS < 5 ? ROUNDS : 5 ))}

# Waits until the server's self-warm-up is done: its scratch store (machinehost-warm-up-* in the
# temp directory) made after the server started is gone again (at most 60 s).
await_warm_up() {
  local since=$1 i
  for i in $(seq 600); do
    [ -z "$(find /tmp -maxdepth 1 -name 'machinehost-warm-up-*' -newer "$since" 2>/dev/null)" ] && [ "$i" -gt 5 ] && return 0
    sleep 0.1
  done
}
for ((r = 1; r <= first_rounds; r++)); do
  for c in "${COLUMNS_[@]}"; do
    cl=$(client "$c")
    s=$WORK/mh-$c/ls1
    case $c in
      native | java)
        old=$(await_server "$c" "$s")
        kill "$old" 2>/dev/null || true
        while kill -0 "$old" 2>/dev/null; do sleep 0.05; done
        touch "$WORK/server-start"
        new=$(await_server "$c" "$s") && SERVERS+=("$new")
        await_warm_up "$WORK/server-start"
        sample first-status-new-server "$c" "$(time_ms "$s" $cl status m0)"
        kill "$new" 2>/dev/null || true
        while kill -0 "$new" 2>/dev/null; do sleep 0.05; done
        for p in $(pids_of_store "$s"); do
          kill "$p" 2>/dev/null || true
          while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
        done
        sample first-status-nothing-up "$c" "$(time_ms "$s" $cl status m0)"
        ;;
      *)
        sample first-status-new-server "$c" "$(time_ms "$s" $cl status m0)"
        sample first-status-nothing-up "$c" "$(time_ms "$s" $cl status m0)"
        ;;
    esac
  done
done

# Resident memory of the warm server and none plugin while idle (the native column's, else java's).
rss_column=native
[ -n "$NATIVE" ] || rss_column=java
s=$WORK/mh-$rss_column/ls1
server=$(await_server "$rss_column" "$s") && SERVERS+=("$server")
MACHINE_STORAGE_PATH=$s $(client "$rss_column") status m0 >/dev/null 2>&1 || true
sleep 3
plugin=$(pids_of_store "$s" | head -1)
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
server_kb=$(rss_kb "$server")
plugin_kb=0
[ -n "$plugin" ] && plugin_kb=$(rss_kb "$plugin")
uptime | sed 's/.*load average: //' >"$WORK/load-after"

median() { [ -s "$1" ] || { echo -; return 0; }; sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
lead=${COLUMNS_[0]}
printf '\n%s\n' "machinehost vs docker-machine: medians in ms of $ROUNDS interleaved rounds (first-status rows: $first_rounds)"
printf 'load average before: %s; after: %s\n\n' "$(cat "$WORK/load-before")" "$(cat "$WORK/load-after")"
header="| row |"
rule="|---|"
for c in "${COLUMNS_[@]}"; do header="$header $c |"; rule="$rule---|"; done
[ -n "$DM" ] && header="$header $lead / dm | target |" && rule="$rule---|---|"
echo "$header"
echo "$rule"
target() {
  case $1 in
    version | status | ip | url | inspect) echo "≤ 0.7×" ;;
    create+rm) echo "≤ 1.0×" ;;
    ls-50) echo "≤ 0.1×" ;;
    ls-500) echo "≤ 0.05× (of 500)" ;;
    first-status-new-server) echo "≤ 1.0×" ;;
    first-status-nothing-up) echo "≤ 1200 ms" ;;
    *) echo "" ;;
  esac
}
for row in version status ip url inspect ls-1 ls-50 ls-500 create+rm first-status-new-server first-status-nothing-up; do
  line="| $row |"
  for c in "${COLUMNS_[@]}"; do
    line="$line $(median "$SAMPLES/$row.$c") |"
  done
  if [ -n "$DM" ]; then
    a=$(median "$SAMPLES/$row.$lead") b=$(median "$SAMPLES/$row.dm")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f×", a / b; else print "-" }')
    line="$line $ratio | $(target "$row") |"
  fi
  echo "$line"
done
printf '\nidle resident memory (%s column): command server %d MiB + none plugin %d MiB = %d MiB (target ≤ 160 MiB)\n' \
  "$rss_column" $((server_kb / 1024)) $((plugin_kb / 1024)) $(((server_kb + plugin_kb) / 1024))
[ -n "$DM" ] || echo "(no docker-machine on PATH: no ratios)"
