#!/usr/bin/env bash
# Runs a command against a throwaway SSH target for the generic driver: a machinehost/sshd-target
# container of the test bench on a free port of 127.0.0.1, reached with a key made for it. In the
# command's arguments {port} becomes that port and {key} the private key's path. The container and
# the key are removed afterwards whatever the command does; its exit status is the script's.
#
#   generic-target.sh COMMAND [ARGS...]
#   e.g. generic-target.sh dist/bin/machine plugin test generic -- --generic-ssh-port {port} ...
#
# The container restarts when it exits with a failure (a reboot), and stays down after a halt.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE=machinehost/sshd-target:latest

die() { echo "generic-target: error: $*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: $0 COMMAND [ARGS...] ({port} and {key} are replaced)"
if [ -z "${DOCKER_HOST:-}" ]; then
  eval "$("$REPO_DIR/.ci/testbed/testbed.sh" env)"
fi
docker info >/dev/null 2>&1 ||
  die "the test bench's Docker engine at $DOCKER_HOST does not answer: run \"make testbed\""
docker image inspect "$IMAGE" >/dev/null 2>&1 ||
  die "the image $IMAGE is missing: run \"make testbed\""

work=$(mktemp -d)
container=
cleanup() {
  if [ -n "$container" ]; then
    docker rm -f "$container" >/dev/null 2>&1 || echo "generic-target: could not remove container $container" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ssh-keygen -q -t ed25519 -N '' -C machinehost-generic-target -f "$work/id_ed25519"
# A fixed port (not one Docker picks) stays the same when the container restarts.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
container=$(docker run -d --restart on-failure:5 \
  --label io.machinehost.purpose=generic-target \
  -e SSH_AUTHORIZED_KEYS="$(cat "$work/id_ed25519.pub")" \
  -p "127.0.0.1:$port:22" "$IMAGE")

ready=
for _ in $(seq 1 60); do
  logs=$(docker logs "$container" 2>&1 || true)
  if [[ $logs == *"Server listening on"* ]]; then
    ready=yes
    break
  fi
  sleep 0.5
done
[ -n "$ready" ] || die "sshd in container $container did not start within 30 s: $logs"
echo "generic-target: sshd-target container ${container:0:12} on 127.0.0.1:$port" >&2

args=()
for arg in "$@"; do
  arg=${arg//\{port\}/$port}
  arg=${arg//\{key\}/$work/id_ed25519}
  args+=("$arg")
done
status=0
"${args[@]}" || status=$?
exit "$status"
