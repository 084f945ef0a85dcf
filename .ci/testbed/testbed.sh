#!/usr/bin/env bash
# The integration-test bench: a Docker engine of the project's own (own data root and socket under a
# stable directory, so images stay cached between runs) and the images the integration tests use,
# all built locally (no image registry is reachable).
#
#   testbed.sh up     install what is missing, start the engine, build missing or changed images
#   testbed.sh env    print the export lines for eval "$(testbed.sh env)"
#   testbed.sh down   stop the engine this script started (by its pidfile's PID only)
#
# Images: the base machinehost/debian:bookworm comes from debootstrap; every directory
# <module>/src/{test,main}/docker/<name>/ holding a Dockerfile becomes the image machinehost/<name>,
# rebuilt only when a hash of its build context (and of the base image) changes.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTBED_DIR=${MACHINEHOST_TESTBED_DIR:-/var/lib/machinehost-testbed}
SOCKET=$TESTBED_DIR/docker.sock
PIDFILE=$TESTBED_DIR/dockerd.pid
LOGFILE=$TESTBED_DIR/dockerd.log
BASE_IMAGE=machinehost/debian:bookworm
DEBIAN_MIRROR=${MACHINEHOST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
HASH_LABEL=io.machinehost.context-hash
APT_GET=(apt-get -o DPkg::Lock::Timeout=600)

log() { echo "testbed: $*" >&2; }
die() { echo "testbed: error: $*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" = 0 ] || die "run as root: it installs packages and starts a Docker engine"
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v rsync >/dev/null 2>&1 || missing+=(rsync)
  command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${APT_GET[@]}" install -y --no-install-recommends "${missing[@]}"; then
    "${APT_GET[@]}" update
    "${APT_GET[@]}" install -y --no-install-recommends "${missing[@]}"
  fi
}

# Prints the PID of the dockerd this script started, if it still runs.
engine_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # A reused PID belongs to another program: only a dockerd counts.
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  echo "$pid"
}

engine_answers() {
  DOCKER_HOST=unix://$SOCKET timeout 10 docker info >/dev/null 2>&1
}

start_engine() {
  if engine_pid >/dev/null && engine_answers; then
    return
  fi
  if pid=$(engine_pid); then
    log "dockerd $pid does not answer; waiting for it"
  else
    rm -f "$PIDFILE"
    mkdir -p "$TESTBED_DIR/data" "$TESTBED_DIR/exec"
    log "starting dockerd (data root $TESTBED_DIR/data, socket $SOCKET)"
    setsid dockerd --data-root "$TESTBED_DIR/data" --exec-root "$TESTBED_DIR/exec" \
      --pidfile "$PIDFILE" -H "unix://$SOCKET" >"$LOGFILE" 2>&1 </dev/null 9>&- &
  fi
  for _ in $(seq 1 60); do
    engine_answers && return
    sleep 0.5
  done
  tail -n 20 "$LOGFILE" >&2 || true
  die "dockerd did not answer on $SOCKET within 30 s (log: $LOGFILE)"
}

image_label() {
  docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$1" 2>/dev/null || true
}

build_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    return
  fi
  local rootfs=$TESTBED_DIR/rootfs.tmp
  rm -rf "$rootfs"
  log "building $BASE_IMAGE with debootstrap from $DEBIAN_MIRROR (about 80 s)"
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$TESTBED_DIR/debootstrap.log" 2>&1 ||
    { tail -n 20 "$TESTBED_DIR/debootstrap.log" >&2; die "debootstrap failed (log: $TESTBED_DIR/debootstrap.log)"; }
  tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# A hash of a build context: file names, modes and contents, plus the base image's ID.
context_hash() {
  {
    docker image inspect -f '{{.Id}}' "$BASE_IMAGE"
    (cd "$1" && find . -type f -printf '%m %p\n' | LC_ALL=C sort)
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

build_images() {
  local dockerfile dir name hash
  while IFS= read -r dockerfile; do
    dir=$(dirname "$dockerfile")
    name=machinehost/$(basename "$dir")
    hash=$(context_hash "$dir")
    if [ "$(image_label "$name")" = "$hash" ]; then
      continue
    fi
    log "building $name from ${dir#"$REPO_DIR"/}"
    DOCKER_BUILDKIT=0 docker build -q --label "$HASH_LABEL=$hash" -t "$name" "$dir" >/dev/null
  done < <(find "$REPO_DIR" \( -path '*/src/test/docker/*/Dockerfile' -o -path '*/src/main/docker/*/Dockerfile' \) \
    -not -path '*/target/*' -not -path '*/node_modules/*' | LC_ALL=C sort)
  docker image prune -f --filter "label=$HASH_LABEL" >/dev/null
}

up() {
  require_root
  mkdir -p "$TESTBED_DIR"
  exec 9>"$TESTBED_DIR/lock"
  flock 9
  install_packages
  start_engine
  export DOCKER_HOST=unix://$SOCKET
  build_base_image
  build_images
  log "ready: eval \"\$(make -s testbed-env)\""
}

env_lines() {
  echo "export DOCKER_HOST=unix://$SOCKET"
  echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  echo "export TESTCONTAINERS_HOST_OVERRIDE=localhost"
}

down() {
  local pid
  if pid=$(engine_pid); then
    log "stopping dockerd $pid"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "dockerd $pid still runs after 30 s; killing it"
      kill -KILL "$pid"
    fi
    rm -f "$PIDFILE"
  else
    log "no dockerd of the test bench runs"
  fi
  # dockerd may have set the FORWARD policy to DROP.
  if command -v iptables >/dev/null 2>&1; then
    iptables -P FORWARD ACCEPT || true
  fi
}

case "${1:-up}" in
  up) up ;;
  env) env_lines ;;
  down) down ;;
  *) die "usage: $0 up|env|down" ;;
esac
