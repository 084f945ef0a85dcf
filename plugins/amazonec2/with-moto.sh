#!/usr/bin/env bash
# Runs a command against moto's EC2 emulator on a free port of 127.0.0.1: in the command's
# arguments {endpoint} becomes http://127.0.0.1:PORT and {port} the port. moto is stopped (by its
# PID) afterwards whatever the command does; the command's exit status is the script's. Without
# moto_server (it comes with the machine image's default python3 and cannot be installed from
# here) it says so and exits 0 without running the command.
#
#   with-moto.sh COMMAND [ARGS...]
#   e.g. with-moto.sh dist/bin/machine plugin test amazonec2 -- --amazonec2-endpoint {endpoint} ...
#
# The emulator's instance addresses are made up: nothing run here may connect to them.
set -euo pipefail

die() { echo "with-moto: error: $*" >&2; exit 1; }
[ $# -gt 0 ] || die "usage: $0 COMMAND [ARGS...] ({endpoint} and {port} are replaced)"

moto=${MOTO_SERVER:-}
if [ -z "$moto" ]; then
  for candidate in /root/.pyenv/shims/moto_server "$(command -v moto_server || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then moto=$candidate; break; fi
  done
fi
if [ -z "$moto" ]; then
  echo "with-moto: moto_server is not installed; skipped: $*" >&2
  exit 0
fi

log=$(mktemp)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 </dev/null &
pid=$!
endpoint=http://127.0.0.1:$port
for _ in $(seq 600); do
  curl -fsS -o /dev/null "$endpoint/moto-api/data.json" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "moto_server exited"; }
  sleep 0.1
done
curl -fsS -o /dev/null "$endpoint/moto-api/data.json" || { cat "$log" >&2; die "moto_server did not answer on $endpoint"; }

args=()
for a in "$@"; do
  a=${a//\{endpoint\}/$endpoint}
  args+=("${a//\{port\}/$port}")
done
# The AWS SDK's credential chain would ask the instance metadata service last: never here.
status=0
AWS_EC2_METADATA_DISABLED=true "${args[@]}" || status=$?
exit $status
