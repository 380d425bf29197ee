#!/bin/sh
# PID 1 of the QEMU guest (`interop/guest/run.sh` boots it): Debian's
# kernel with the host's root read-only over virtio-9p, tmpfs where
# daemons write, and a second, writable 9p share (tag "out") for the logs.
# Loads the ESP, L2TP and PPP modules of linux-image-amd64 (the host's
# /lib/modules, seen through the shared root), makes the TUN interface
# our machine attaches to, runs the connections, then powers off.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys 2>/dev/null
# The initramfs moved its devtmpfs here; mount one if it did not.
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mkdir -p /run/tmp && export TMPDIR=/run/tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
mkdir -p /run/out && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /run/out
OUT=/run/out
exec >"$OUT/guest.log" 2>&1
echo "guest: $(uname -r)"
# The repository's path and our binary's, from the kernel command line.
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        L2S_REPO=*) L2S_REPO=${arg#L2S_REPO=} ;;
        L2S_BIN=*) L2S_BIN=${arg#L2S_BIN=} ;;
        L2S_LIBRESWAN=*) L2S_LIBRESWAN=${arg#L2S_LIBRESWAN=} ;;
    esac
done

. "$L2S_REPO/interop/guest/connections.sh"

dmesg >"$OUT/dmesg.txt" 2>&1
echo "guest done"
sync
poweroff -f
