#!/bin/sh
# Main process of a docker-driver machine: makes /sys and the cgroup mounts writable (an engine
# inside needs them), sets up SSH host keys and the authorized keys, starts the Docker engine if
# provisioning installed /etc/machinehost/engine-start, then runs sshd in the foreground.
set -eu
mount -o remount,rw /sys 2>/dev/null || true
for m in $(awk '$2 ~ "^/sys/fs/cgroup" {print $2}' /proc/mounts); do
  mount -o remount,bind,rw "$m" 2>/dev/null || true
done
mkdir -p /run/sshd
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
if [ -x /etc/machinehost/engine-start ]; then
  /etc/machinehost/engine-start || echo "machinehost: engine start failed" >&2
fi
exec /usr/sbin/sshd -D -e "$@"
