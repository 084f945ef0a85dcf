#!/usr/bin/env bash
# make bench, amazonec2 part: the plugin's launch → handshake (machine plugin bench, beside the none
# driver's for reference), its executable's size, and create, ls and rm of N (default 20) machines
# against moto's EC2 on loopback (with-moto.sh). Writes bench/amazonec2.json and prints a table.
# Measures the current dist/: run "make build" first.
#
#   N=20 RUNS=10 DIST=dist plugins/amazonec2/bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DIST=$(cd "${DIST:-$ROOT/dist}" && pwd)
MACHINE=$DIST/bin/machine
N=${N:-20}
RUNS=${RUNS:-10}
OUT=${OUT:-$ROOT/bench/amazonec2.json}
[ -x "$MACHINE" ] || { echo "bench: $MACHINE not found; run make build first" >&2; exit 1; }

if [ "${1:-}" != "--inside" ]; then
  exec plugins/amazonec2/with-moto.sh "$0" --inside {endpoint}
fi
endpoint=$2

work=$(mktemp -d /tmp/machinehost-ec2bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export MACHINE_STORAGE_PATH=$work/store
export XDG_RUNTIME_DIR=$work/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE

ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
launch() { # median launch → handshake + health of a driver, in ms
  "$MACHINE" plugin bench --launches "$RUNS" "$@" 2>/dev/null | sed -n 's/^launch → handshake + health, median *\([0-9]*\) ms.*/\1/p'
}

echo "== amazonec2 bench against moto at $endpoint: $(uptime)" >&2
size=$(stat -c %s "$DIST/bin/machine-driver-amazonec2")
none_size=$(stat -c %s "$DIST/bin/machine-driver-none")
launch_ec2=$(launch amazonec2)
launch_none=$(launch none -- --url tcp://127.0.0.1:2376)

flags=(-d amazonec2 --amazonec2-endpoint "$endpoint" --amazonec2-access-key x --amazonec2-secret-key y --no-provision)
creates=()
start=$(ms)
for i in $(seq 1 "$N"); do
  t0=$(ms)
  "$MACHINE" create "${flags[@]}" "b$i" >/dev/null 2>&1 || { echo "bench: create b$i failed" >&2; "$MACHINE" create "${flags[@]}" "b$i-retry"; exit 1; }
  creates+=($(($(ms) - t0)))
done
create_total=$(($(ms) - start))
create_median=$(printf '%s\n' "${creates[@]}" | median)

running=$("$MACHINE" ls -q --filter state=Running | wc -l)
[ "$running" -eq "$N" ] || { echo "bench: ls shows $running of $N machines running" >&2; exit 1; }
ls_runs=()
for _ in $(seq 1 "$RUNS"); do
  t0=$(ms)
  "$MACHINE" ls >/dev/null
  ls_runs+=($(($(ms) - t0)))
done
ls_median=$(printf '%s\n' "${ls_runs[@]}" | median)

# status of one machine: cold (its own plugin process: launch, the SDK's first client, one
# DescribeInstances) and warm (the plugin and its EC2 client kept, the default).
timed() { local t0; t0=$(ms); "$@" >/dev/null; echo $(($(ms) - t0)); }
cold_runs=()
warm_runs=()
for _ in $(seq 1 "$RUNS"); do
  cold_runs+=($(MACHINEHOST_PLUGIN_REUSE=0 timed "$MACHINE" status b1))
  warm_runs+=($(timed "$MACHINE" status b1))
done
status_cold=$(printf '%s\n' "${cold_runs[@]}" | median)
status_warm=$(printf '%s\n' "${warm_runs[@]}" | median)

start=$(ms)
"$MACHINE" rm -y $(seq -f 'b%g' 1 "$N") >/dev/null 2>&1
rm_total=$(($(ms) - start))

mkdir -p "$(dirname "$OUT")"
jq -n --argjson size "$size" --argjson none_size "$none_size" \
  --argjson launch_ec2 "${launch_ec2:-0}" --argjson launch_none "${launch_none:-0}" \
  --argjson n "$N" --argjson create_total "$create_total" --argjson create_median "$create_median" \
  --argjson ls_median "$ls_median" --argjson status_cold "$status_cold" --argjson status_warm "$status_warm" --argjson rm_total "$rm_total" --arg load "$(uptime)" \
  '{executable_bytes: $size, none_executable_bytes: $none_size,
    launch_handshake_ms: {amazonec2: $launch_ec2, none: $launch_none},
    machines: $n, create_total_ms: $create_total, create_median_ms: $create_median,
    ls_median_ms: $ls_median, status_cold_ms: $status_cold, status_warm_ms: $status_warm, rm_all_ms: $rm_total, load: $load}' >"$OUT"

printf '%-46s %s\n' "machine-driver-amazonec2 size" "$((size / 1048576)) MiB (none: $((none_size / 1048576)) MiB)"
printf '%-46s %s\n' "launch → handshake + health, median" "$launch_ec2 ms (none: $launch_none ms)"
printf '%-46s %s\n' "create of $N machines, one after another" "$create_total ms (median $create_median ms each)"
printf '%-46s %s\n' "ls of $N machines, median of $RUNS" "$ls_median ms"
printf '%-46s %s\n' "status, own plugin process (cold), median" "$status_cold ms"
printf '%-46s %s\n' "status, warm plugin, median" "$status_warm ms"
printf '%-46s %s\n' "rm -y of $N machines" "$rm_total ms"
echo "(written to $OUT)"
