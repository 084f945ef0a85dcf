#!/bin/sh
# shutdown, halt, poweroff, reboot for a container without an init: ends the main sshd.
# -r (or the name reboot) reboots; -f ends it at once, otherwise after a second so the caller's
# command can return first.
name=$(basename "$0")
action=halt
force=false
[ "$name" = reboot ] && action=reboot
for arg in "$@"; do
  case "$arg" in
    -r | --reboot) action=reboot ;;
    -f | --force) force=true ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "$name: must be superuser." >&2
  exit 1
fi
echo "$action" > /run/machinehost-power
pid=$(cat /run/sshd-main.pid)
if $force; then
  kill -KILL "$pid"
else
  (sleep 1; kill -TERM "$pid") >/dev/null 2>&1 </dev/null &
fi
