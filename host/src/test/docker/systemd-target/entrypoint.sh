#!/bin/sh
# Prepares the container to be booted by systemd (writable /sys and cgroup mounts, host keys, the
# authorized key), then hands process 1 to systemd.
set -eu
mount -o remount,rw /sys 2>/dev/null || true
for m in $(awk '$2 ~ "^/sys/fs/cgroup" {print $2}' /proc/mounts); do
  mount -o remount,bind,rw "$m" 2>/dev/null || true
done
ssh-keygen -A >/dev/null
if [ -n "${SSH_AUTHORIZED_KEYS:-}" ]; then
  mkdir -p /root/.ssh
  printf '%s\n' "$SSH_AUTHORIZED_KEYS" > /root/.ssh/authorized_keys
  chmod 700 /root/.ssh
  chmod 600 /root/.ssh/authorized_keys
fi
exec /lib/systemd/systemd
