#!/bin/sh
# PID 1 of the User-Mode Linux guest (`interop/uml/run.sh` boots it): the
# host's root, read-only through hostfs, with tmpfs where daemons write.
# Loads the guest's ESP, L2TP and PPP modules, makes the TUN interface our
# machine attaches to (kernel side 10.99.0.1, ours 10.99.0.2), starts the
# peers and our XP client, keeps every log in $L2S_OUT (a writable hostfs
# folder), then halts. $L2S_REPO and $L2S_OUT come from the kernel command
# line.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
# Scratch space under /run only: the repository may live under the host's
# /tmp, which the guest must still see.
mount -t tmpfs tmpfs /run
mkdir -p /run/tmp && export TMPDIR=/run/tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mkdir -p /run/out && mount -t hostfs none /run/out -o "$L2S_OUT"
OUT=/run/out
exec >"$OUT/guest.log" 2>&1
echo "guest: $(uname -r)"

# Modules from the UML package, through a modprobe that knows where they
# are (the kernel asks for crypto modules itself).
KVER=$(uname -r)
mkdir -p /run/modroot/lib/modules/$KVER
mount --bind /usr/lib/uml/modules/$KVER /run/modroot/lib/modules/$KVER
MODPROBE=$(command -v modprobe)
printf '#!/bin/sh\nexec %s -d /run/modroot "$@"\n' "$MODPROBE" > /run/modprobe
chmod +x /run/modprobe
echo /run/modprobe > /proc/sys/kernel/modprobe
MODPROBE=/run/modprobe

. "$L2S_REPO/interop/guest/connections.sh"

dmesg >"$OUT/dmesg.txt" 2>&1
echo "guest done"
sync
poweroff -f
