#!/usr/bin/env bash
# `just interop-uml`: the full stack in User-Mode Linux (INTEROP.md). Our
# XP client (the host-built binary, run inside the guest through hostfs)
# dials, on a TUN interface of the guest, strongSwan's charon with
# transport-mode ESP in the guest kernel, xl2tpd as LNS and pppd with
# MS-CHAPv2: once with L2TP in the clear and MPPE-128, once over IPsec.
# Prints what each side concluded and fails if a connection did not come up.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
OUT="$REPO/target/uml"
G=/run/out   # $OUT as the guest sees it

need=()
command -v linux.uml >/dev/null || need+=(user-mode-linux)
[ -x /usr/lib/ipsec/charon ] || need+=(strongswan-charon)
command -v swanctl >/dev/null || need+=(strongswan-swanctl)
[ -x /usr/sbin/xl2tpd ] || need+=(xl2tpd)
[ -x /usr/sbin/pppd ] || need+=(ppp)
[ -x /usr/sbin/pptpd ] || need+=(pptpd)
command -v modprobe >/dev/null || need+=(kmod)
command -v ping >/dev/null || need+=(iputils-ping)
if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release -q -p l2tpsec-interop
BIN="$REPO/target/release/l2tpsec-interop"
rm -rf "$OUT" && mkdir -p "$OUT"
. interop/guest/prepare.sh

start=$(date +%s)
timeout 240 linux.uml mem=512M root=/dev/root rootfstype=hostfs rootflags=/ ro \
    init="$REPO/interop/uml/init.sh" L2S_REPO="$REPO" L2S_OUT="$OUT" \
    con0=fd:0,fd:1 con=null >"$OUT/console.log" 2>&1 </dev/null || true
echo "User-Mode Linux boot and all four connections: $(( $(date +%s) - start )) s"

GUEST_NAME=interop-uml
. interop/guest/report.sh
$ok
