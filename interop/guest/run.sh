#!/usr/bin/env bash
# `just interop-guest`: the full stack in a QEMU guest (INTEROP.md, third
# round), which boots on every machine of this kind where User-Mode Linux
# may not (AMX CPUs). Debian's kernel (linux-image-amd64) boots the host's
# root read-only over virtio-9p, with KVM when /dev/kvm works and software
# emulation (TCG) otherwise; the guest runs the connections of
# interop/guest/connections.sh: our XP client against charon, xl2tpd and
# pppd (L2TP in the clear with MPPE-128, L2TP/IPsec with the guest
# kernel's transport-mode ESP), our RRAS server against a Linux client,
# and our PPTP client against pptpd; then (interop/guest/servers.sh)
# libreswan, extracted from its package, as the common setup script
# configures it, with a key and with certificates, before and behind NATs
# in network namespaces, and charon with its defaults, against our Windows
# 10 and XP clients. Prints what each side concluded and
# the timings, and fails if a connection did not come up. Needs root.
# L2S_ACCEL=kvm|tcg forces the accelerator.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
OUT=${L2S_OUT:-"$REPO/target/guest"}
G=/run/out   # $OUT as the guest sees it
CACHE="$REPO/target/guest-boot"

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || need+=(linux-image-amd64)
command -v mkinitramfs >/dev/null || need+=(initramfs-tools)
[ -x /usr/lib/ipsec/charon ] || need+=(strongswan-charon)
command -v swanctl >/dev/null || need+=(strongswan-swanctl)
[ -x /usr/sbin/xl2tpd ] || need+=(xl2tpd)
[ -x /usr/sbin/pppd ] || need+=(ppp)
[ -x /usr/sbin/pptpd ] || need+=(pptpd)
command -v modprobe >/dev/null || need+=(kmod)
command -v ping >/dev/null || need+=(iputils-ping)
command -v openssl >/dev/null || need+=(openssl)
command -v iptables >/dev/null || need+=(iptables)
if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The newest Debian kernel whose modules are installed.
KVER=""
for k in $(ls /lib/modules | sort -V); do
    [ -e "/boot/vmlinuz-$k" ] && KVER=$k
done
[ -n "$KVER" ] || { echo "no /boot/vmlinuz-* with modules in /lib/modules"; exit 1; }

# Debian's initrd has no 9p: one of our own with it, built once per kernel.
INITRD="$CACHE/initrd-$KVER.img"
if [ ! -s "$INITRD" ]; then
    mkdir -p "$CACHE"
    conf=$(mktemp -d)
    cp -r /etc/initramfs-tools/. "$conf/"
    printf '9p\n9pnet\n9pnet_virtio\nvirtio_pci\n' >>"$conf/modules"
    t=$(date +%s)
    mkinitramfs -d "$conf" -o "$INITRD.tmp" "$KVER"
    mv "$INITRD.tmp" "$INITRD"
    rm -rf "$conf"
    echo "initramfs with 9p for $KVER: $(( $(date +%s) - t )) s"
fi

# KVM where it works: on some machines /dev/kvm exists but a guest hangs
# before its first line (nested virtualisation, INTEROP.md); a kernel
# that prints its banner within 20 s is proof enough.
ACCEL=${L2S_ACCEL:-}
if [ -z "$ACCEL" ]; then
    ACCEL=tcg
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] \
        && timeout 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nographic -no-reboot \
            -nic none -kernel "/boot/vmlinuz-$KVER" -append "console=ttyS0 panic=-1" \
            </dev/null 2>/dev/null | grep -q -m1 "Linux version"; then
        ACCEL=kvm
    fi
fi

# libreswan, extracted from its package: installing it would remove
# strongSwan's (INTEROP.md third round). Its libraries are ordinary ones.
LIBRESWAN="$CACHE/libreswan"
if [ ! -x "$LIBRESWAN/usr/libexec/ipsec/pluto" ]; then
    mkdir -p "$CACHE"
    (
        set -e
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            libnss3-tools libldns3 libevent-pthreads-2.1-7 libunbound8 libcurl3-nss >/dev/null
        cd "$CACHE" && rm -f libreswan_*.deb && apt-get download -qq libreswan 2>/dev/null
        rm -rf "$LIBRESWAN" && dpkg -x "$CACHE"/libreswan_*.deb "$LIBRESWAN"
    ) || true
fi
if [ ! -x "$LIBRESWAN/usr/libexec/ipsec/pluto" ]; then
    [ "${CI:-}" = true ] && { echo "libreswan could not be fetched (apt-get download libreswan)"; exit 1; }
    echo "libreswan could not be fetched: its cases are left out"
    LIBRESWAN=""
fi

# The test (interop/tests/guest.rs) hands its own build in L2S_BIN.
if [ -n "${L2S_BIN:-}" ]; then
    BIN=$L2S_BIN
else
    cargo build --release -q -p l2tpsec-interop
    BIN="$REPO/target/release/l2tpsec-interop"
fi
rm -rf "$OUT" && mkdir -p "$OUT"
. interop/guest/prepare.sh

echo "QEMU guest: kernel $KVER, accelerator $ACCEL"
start=$(date +%s)
cpu=()
[ "$ACCEL" = kvm ] && cpu=(-cpu host)
timeout 1500 qemu-system-x86_64 -accel "$ACCEL" "${cpu[@]}" -m 1024 -nographic -no-reboot \
    -nic none -kernel "/boot/vmlinuz-$KVER" -initrd "$INITRD" \
    -fsdev local,id=root,path=/,security_model=none,readonly=on \
    -device virtio-9p-pci,fsdev=root,mount_tag=root \
    -fsdev local,id=out,path="$OUT",security_model=none \
    -device virtio-9p-pci,fsdev=out,mount_tag=out \
    -append "console=ttyS0 root=root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144 ro init=$REPO/interop/guest/init.sh panic=-1 quiet L2S_REPO=$REPO L2S_BIN=$BIN L2S_LIBRESWAN=$LIBRESWAN" \
    >"$OUT/console.log" 2>&1 </dev/null || true
echo "QEMU ($ACCEL) boot and every connection: $(( $(date +%s) - start )) s"

GUEST_NAME=interop-guest
. interop/guest/report.sh
$ok
