#!/usr/bin/env bash
# Builds the qemu driver's machine image from Debian packages only: a debootstrapped Debian 12
# (bookworm) root filesystem with systemd, Debian's kernel, openssh-server and docker.io, packed as
# an ext4 filesystem in a qcow2 disk, with the kernel and initramfs beside it for QEMU to boot
# directly (root=/dev/vda). Needs root, debootstrap, e2fsprogs, qemu-utils and Debian's mirror.
#
#   build-image.sh CACHE_DIR      builds into CACHE_DIR/debian-12-<recipe hash>/ unless it is there
#   build-image.sh --print-dir CACHE_DIR   prints that directory and exits
#
# The recipe hash is the SHA-256 of this file: every package and setting is in it, so an image is
# rebuilt exactly when its recipe changes. The image carries no SSH host keys, no machine id and no
# users: the first boot makes them from the machine's seed (machinehost-seed, below).
# Progress goes to stdout as "step|fraction|message" lines; the build's own output to build.log.
set -euo pipefail

MIRROR=${MACHINEHOST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
FS_SIZE=4G
PACKAGES=systemd-sysv,udev,dbus,kmod,linux-image-amd64,initramfs-tools,openssh-server,sudo,docker.io,iproute2,iptables,ca-certificates,e2fsprogs,procps,less

print_dir=false
if [ "${1:-}" = --print-dir ]; then print_dir=true; shift; fi
cache=${1:?usage: build-image.sh [--print-dir] CACHE_DIR}
hash=$(sha256sum "$0" | cut -c1-16)
out="$cache/debian-12-$hash"
if $print_dir; then echo "$out"; exit 0; fi

progress() { echo "$1|$2|$3"; }

if [ -f "$out/disk.qcow2" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
  progress image 1.0 "The machine image is built already: $out"
  exit 0
fi

missing=()
for tool in debootstrap mke2fs qemu-img; do
  command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cannot build the machine image: ${missing[*]} not found; install them with" \
    "apt-get install --no-install-recommends debootstrap e2fsprogs qemu-utils" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "cannot build the machine image: debootstrap needs root (run as root, or give --qemu-image)" >&2
  exit 2
fi
export PATH=$PATH:/usr/sbin:/sbin

mkdir -p "$cache"
exec 9>"$cache/.build-$hash.lock"
if ! flock -n 9; then
  progress image 0.0 "Waiting for another build of the machine image to finish"
  flock 9
fi
if [ -f "$out/disk.qcow2" ]; then
  progress image 1.0 "The machine image was built meanwhile: $out"
  exit 0
fi

work=$(mktemp -d "$cache/.build-$hash.XXXXXX")
root="$work/rootfs"
log="$work/build.log"
cleanup() {
  for m in "$root/proc" "$root/sys" "$root/dev/pts" "$root/dev"; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m" || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "building the machine image failed: $1; the end of $log follows" >&2
  tail -n 30 "$log" >&2 || true
  cp "$log" "$cache/build-$hash.failed.log" 2>/dev/null || true
  exit 1
}

progress debootstrap 0.05 "Installing Debian $SUITE with Docker and the kernel from $MIRROR (a few minutes)"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$MIRROR" >"$log" 2>&1 \
  || fail "debootstrap"

progress configure 0.75 "Configuring the system"
# No identity in the image: each machine gets its own at first boot.
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
echo machinehost >"$root/etc/hostname"
cat >"$root/etc/hosts" <<'HOSTS'
127.0.0.1 localhost
127.0.1.1 machinehost
::1 localhost ip6-localhost ip6-loopback
HOSTS
cat >"$root/etc/fstab" <<'FSTAB'
/dev/vda / ext4 rw,relatime,errors=remount-ro 0 1
FSTAB
# QEMU's user-mode network: the guest is 10.0.2.15, the gateway 10.0.2.2, DNS 10.0.2.3.
mkdir -p "$root/etc/systemd/network"
cat >"$root/etc/systemd/network/10-qemu-user.network" <<'NET'
[Match]
Name=eth0

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
DNS=10.0.2.3
NET
cat >"$root/etc/ssh/sshd_config.d/machinehost.conf" <<'SSHD'
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
# Under emulation (TCG) a login takes seconds: early attempts must not lock later ones out.
MaxStartups 100:30:200
LoginGraceTime 60
SSHD
# The first-boot unit: reads the seed disk (label CIDATA) and sets the host name, the SSH user and
# its key, makes SSH host keys, and grows the root filesystem to the disk; runs before sshd.
cat >"$root/usr/local/sbin/machinehost-seed" <<'SEED'
#!/bin/sh
# Applies the machine's seed (the disk labelled CIDATA, files under machinehost/) at every boot.
set -u
resize2fs /dev/vda >/dev/null 2>&1 || true
# Ed25519 and ECDSA host keys only: RSA key generation takes seconds under an emulated CPU.
for type in ed25519 ecdsa; do
  key=/etc/ssh/ssh_host_${type}_key
  [ -f "$key" ] || ssh-keygen -q -t "$type" -N '' -f "$key"
done
dev=$(blkid -L CIDATA 2>/dev/null || blkid -L cidata 2>/dev/null || true)
[ -n "$dev" ] || { echo "machinehost-seed: no seed disk"; exit 0; }
mnt=/run/machinehost-seed
mkdir -p "$mnt"
mount -o ro "$dev" "$mnt" || exit 1
seed="$mnt/machinehost"
if [ -f "$seed/hostname" ]; then
  name=$(cat "$seed/hostname")
  [ "$(cat /etc/hostname)" = "$name" ] || echo "$name" >/etc/hostname
  hostname "$name"
  sed -i "s/^127\.0\.1\.1[[:space:]].*/127.0.1.1 $name/" /etc/hosts
fi
user=$(cat "$seed/user" 2>/dev/null || echo root)
if [ "$user" = root ]; then
  home=/root
else
  if ! id "$user" >/dev/null 2>&1; then
    # a group of the user's name (docker has one) becomes its primary group
    if getent group "$user" >/dev/null; then primary="-g $user"; else primary="-U"; fi
    useradd -m -s /bin/bash $primary -G sudo,docker "$user" || echo "machinehost-seed: useradd $user failed"
  fi
  echo "$user ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/90-machinehost
  chmod 0440 /etc/sudoers.d/90-machinehost
  home=$(getent passwd "$user" | cut -d: -f6)
fi
if [ -f "$seed/authorized_keys" ]; then
  install -d -m 0700 -o "$user" -g "$(id -gn "$user")" "$home/.ssh"
  install -m 0600 -o "$user" -g "$(id -gn "$user")" "$seed/authorized_keys" "$home/.ssh/authorized_keys"
fi
umount "$mnt"
SEED
chmod 0755 "$root/usr/local/sbin/machinehost-seed"
cat >"$root/etc/systemd/system/machinehost-seed.service" <<'UNIT'
[Unit]
Description=Apply the machinehost seed (host name, SSH user and key, host keys)
DefaultDependencies=no
After=local-fs.target systemd-udev-settle.service
Wants=systemd-udev-settle.service
Before=ssh.service systemd-networkd.service network-pre.target
Wants=network-pre.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/machinehost-seed
RemainAfterExit=yes
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/machinehost-seed.service \
  "$root/etc/systemd/system/multi-user.target.wants/machinehost-seed.service"
ln -sf /lib/systemd/system/systemd-networkd.service \
  "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
# Nothing waits for a network that needs no waiting, and the console stays quiet.
ln -sf /dev/null "$root/etc/systemd/system/systemd-networkd-wait-online.service"
ln -sf /dev/null "$root/etc/systemd/system/apt-daily.timer"
ln -sf /dev/null "$root/etc/systemd/system/apt-daily-upgrade.timer"
ln -sf /dev/null "$root/etc/systemd/system/e2scrub_reap.service"
# The engine is installed but not started at first boot: provisioning configures TLS, enables it
# and starts it once, instead of the boot starting it only to have it restarted (under TCG that
# start costs tens of seconds of CPU).
rm -f "$root/etc/systemd/system/multi-user.target.wants/docker.service" \
  "$root/etc/systemd/system/sockets.target.wants/docker.socket"
# Slim the image: package caches, documentation and locales are not needed on a Docker host.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/log/*.log
kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n 1)
[ -f "$kernel" ] && [ -f "$initrd" ] || fail "no kernel or initramfs in /boot"

progress filesystem 0.85 "Packing the root filesystem into an ext4 disk"
mke2fs -q -t ext4 -L machinehost-root -d "$root" "$work/disk.raw" "$FS_SIZE" >>"$log" 2>&1 \
  || fail "mke2fs"
progress qcow2 0.92 "Converting the disk to qcow2"
qemu-img convert -c -O qcow2 "$work/disk.raw" "$work/disk.qcow2" >>"$log" 2>&1 || fail "qemu-img convert"
rm -f "$work/disk.raw"

staging="$work/image"
mkdir -p "$staging"
mv "$work/disk.qcow2" "$staging/disk.qcow2"
cp "$kernel" "$staging/vmlinuz"
cp "$initrd" "$staging/initrd.img"
echo "root=/dev/vda rw console=ttyS0 net.ifnames=0" >"$staging/cmdline"
{
  echo "recipe=$hash"
  echo "suite=$SUITE"
  echo "kernel=$(basename "$kernel")"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "seconds=$SECONDS"
} >"$staging/image.properties"
cp "$log" "$staging/build.log"
chmod 0444 "$staging/disk.qcow2"
chmod 0755 "$staging"
rm -rf "$out"
mv "$staging" "$out"
size=$(du -sh "$out" | cut -f1)
progress image 1.0 "Built the machine image $out ($size) in ${SECONDS}s"
