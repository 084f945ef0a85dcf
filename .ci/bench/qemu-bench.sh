#!/usr/bin/env bash
# make bench, qemu section: times of real VMs through dist/bin/machine, on KVM when it works here
# and on TCG: create → SSH-ready (create --no-provision), create → Docker-ready (create with
# provisioning), stop and start, and the resident memory of the qemu plugin and of QEMU with a VM
# running. Writes bench/qemu-results.json and prints a table. Skips, saying why, when QEMU or the
# machine image is missing.
#
#   VM_IMAGE_CACHE=/var/cache/machinehost/qemu ACCELS="kvm tcg" .ci/bench/qemu-bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
MACHINE=${DIST:-$ROOT/dist}/bin/machine
CACHE=${VM_IMAGE_CACHE:-/var/cache/machinehost/qemu}
ACCELS=${ACCELS:-kvm tcg}
OUT=${OUT:-$ROOT/bench/qemu-results.json}
RECIPE=plugins/qemu/src/main/image/build-image.sh

[ -x "$MACHINE" ] || { echo "qemu bench: $MACHINE not found; run make build first" >&2; exit 1; }
if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "qemu bench: skipped, QEMU is not installed (apt-get install --no-install-recommends qemu-system-x86 qemu-utils)"
  exit 0
fi
IMAGE=$("$RECIPE" --print-dir "$CACHE")
if [ ! -f "$IMAGE/disk.qcow2" ]; then
  echo "qemu bench: skipped, no machine image in $IMAGE (make vm-image VM_IMAGE_CACHE=$CACHE)"
  exit 0
fi

STORE=$(mktemp -d /tmp/machinehost-qemu-bench.XXXXXX)
export MACHINE_STORAGE_PATH=$STORE
unset MACHINE_PLUGIN_PATH DOCKER_HOST
mkdir -p "$STORE/cache/qemu"
ln -s "$IMAGE" "$STORE/cache/qemu/"
cleanup() {
  for m in $("$MACHINE" ls -q 2>/dev/null); do "$MACHINE" rm -f -y "$m" >/dev/null 2>&1 || true; done
  rm -rf "$STORE"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | xargs printf '%.1f'; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
qemu_pid() { cat "$STORE/machines/$1/qemu.pid" 2>/dev/null; }
# The qemu plugin serving this store (its environment names the store).
plugin_pid() {
  for p in $(pgrep -f machine-driver-qemu || true); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "MACHINE_STORAGE_PATH=$STORE"; then
      echo "$p"; return
    fi
  done
}

rows=()
json=()
for accel in $ACCELS; do
  t=$(now)
  if ! out=$("$MACHINE" create -d qemu --qemu-accel "$accel" --no-provision "ssh-$accel" 2>&1); then
    why=$(echo "$out" | grep -m1 -i 'error' || echo "$out" | tail -n 1)
    rows+=("$(printf '%-4s %s' "$accel" "n/a: $why")")
    json+=("{\"accel\":\"$accel\",\"available\":false,\"reason\":$(printf '%s' "$why" | jq -Rs .)}")
    continue
  fi
  ssh_ready=$(since "$t")
  "$MACHINE" rm -y "ssh-$accel" >/dev/null 2>&1
  t=$(now)
  "$MACHINE" create -d qemu --qemu-accel "$accel" "docker-$accel" >/dev/null 2>&1
  docker_ready=$(since "$t")
  qemu_rss=$(rss_mb "$(qemu_pid "docker-$accel")")
  plugin=$(plugin_pid)
  plugin_rss=$([ -n "$plugin" ] && rss_mb "$plugin" || echo 0)
  t=$(now)
  "$MACHINE" stop "docker-$accel" >/dev/null 2>&1
  stop=$(since "$t")
  t=$(now)
  "$MACHINE" start "docker-$accel" >/dev/null 2>&1
  start=$(since "$t")
  "$MACHINE" rm -y "docker-$accel" >/dev/null 2>&1
  rows+=("$(printf '%-4s %10s %12s %7s %7s %10s %10s' "$accel" "$ssh_ready" "$docker_ready" "$stop" "$start" "$plugin_rss" "$qemu_rss")")
  json+=("{\"accel\":\"$accel\",\"available\":true,\"create_ssh_ready_s\":$ssh_ready,\"create_docker_ready_s\":$docker_ready,\"stop_s\":$stop,\"start_s\":$start,\"plugin_rss_mb\":$plugin_rss,\"qemu_rss_mb\":$qemu_rss}")
done

mkdir -p "$(dirname "$OUT")"
printf '{"image":"%s","image_mb":%s,"load":"%s","results":[%s]}\n' "$IMAGE" \
  "$(du -sm "$IMAGE/" | cut -f1)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(IFS=,; echo "${json[*]}")" >"$OUT"
echo
echo "qemu driver (1 CPU, 1024 MB; seconds, MB; load $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '%-4s %10s %12s %7s %7s %10s %10s\n' accel "→SSH" "→Docker" stop start "plugin RSS" "QEMU RSS"
printf '%s\n' "${rows[@]}"
echo "(written to $OUT)"
