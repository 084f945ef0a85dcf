#!/bin/sh
# Main process: sets up host keys and authorized keys, runs sshd, and turns a shutdown request into
# the container's exit status (0 halt, 1 reboot).
set -eu
mkdir -p /run/sshd
rm -f /run/machinehost-power
ssh-keygen -A >/dev/null
if [ -n "${SSH_AUTHORIZED_KEYS:-}" ]; then
  for user in root machine; do
    home=$(getent passwd "$user" | cut -d: -f6)
    mkdir -p "$home/.ssh"
    printf '%s\n' "$SSH_AUTHORIZED_KEYS" > "$home/.ssh/authorized_keys"
    chmod 700 "$home/.ssh"
    chmod 600 "$home/.ssh/authorized_keys"
    chown -R "$user:" "$home/.ssh"
  done
fi
/usr/sbin/sshd -D -e "$@" &
sshd_pid=$!
echo "$sshd_pid" > /run/sshd-main.pid
trap 'kill -TERM "$sshd_pid" 2>/dev/null || true' TERM INT
while kill -0 "$sshd_pid" 2>/dev/null; do
  wait "$sshd_pid" || true
done
case "$(cat /run/machinehost-power 2>/dev/null || true)" in
  reboot) exit 1 ;;
  *) exit 0 ;;
esac
