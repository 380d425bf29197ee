# Sourced by the full-stack guests' PID 1 (interop/guest/init.sh under
# QEMU, interop/uml/init.sh under User-Mode Linux): loads the modules,
# makes the TUN interface l2s0 (kernel side 10.99.0.1, ours
# 10.99.0.2), then runs the connections of our machines against charon,
# xl2tpd, pppd and pptpd, and against libreswan when L2S_LIBRESWAN names
# its extracted package. Needs L2S_REPO and OUT (L2S_BIN: our binary, the
# release build by default); every log goes to $OUT.

# The modules the connections use beyond what the kernel asks for itself
# (MODPROBE: User-Mode Linux's wrapper; arc4 is libarc4 in newer kernels),
# the devices, the TUN interface our machine attaches to, and pppd's
# secrets, the same in both guests.
for m in tun esp4 xfrm_user af_key authenc des_generic cbc hmac sha1_generic \
         echainiv seqiv ppp_generic ppp_async ppp_synctty ppp_mppe arc4 \
         l2tp_core l2tp_ppp; do
    "${MODPROBE:-modprobe}" "$m" || echo "modprobe $m failed"
done
[ -e /dev/ppp ] || mknod /dev/ppp c 108 0
mkdir -p /dev/net && { [ -e /dev/net/tun ] || mknod /dev/net/tun c 10 200; }

ip link set lo up
# The kernel's IPv6 chatter would reach our IPv4-only machine as malformed.
sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip tuntap add dev l2s0 mode tun
ip addr add 10.99.0.1/24 dev l2s0
ip link set l2s0 up
sysctl -q -w net.ipv4.ip_forward=0

# pppd's secrets and options live in /etc/ppp: a tmpfs of ours over it.
mount -t tmpfs tmpfs /etc/ppp
cp "$OUT/chap-secrets" /etc/ppp/chap-secrets
chmod 600 /etc/ppp/chap-secrets
mkdir -p /run/xl2tpd /var/run 2>/dev/null

# Guest uptime at each step: the recipe's timings (docs/interop.md).
stamp() { echo "$1: $(cut -d' ' -f1 /proc/uptime) s after boot"; }
stamp "connections start"
BIN=${L2S_BIN:-"$L2S_REPO/target/release/l2tpsec-interop"}
SCEN="$L2S_REPO/interop/scenarios"

start_xl2tpd() { # $1: the xl2tpd.conf for this run
    xl2tpd -D -c "$1" -p /run/xl2tpd.pid -C /run/xl2tpd/l2tp-control \
        >"$OUT/xl2tpd-$2.log" 2>&1 &
    XL2TPD=$!
    sleep 1
}
# start_charon CONF SOCKET DIR FILE LOG: charon with CONF, its vici socket
# at /run/SOCKET, swanctl's FILE loaded from DIR (output in $OUT/LOG).
start_charon() {
    STRONGSWAN_CONF="$1" /usr/lib/ipsec/charon >/dev/null 2>&1 &
    CHARON=$!
    for i in $(seq 1 100); do [ -S "/run/$2" ] && break; sleep 0.1; done
    SWANCTL_DIR="$3" swanctl --load-all --noprompt --file "$4" \
        --uri "unix:///run/$2" >"$OUT/$5" 2>&1
}
stop_xl2tpd() {
    kill "$XL2TPD" 2>/dev/null
    sleep 1
    pkill pppd 2>/dev/null
    # pppd's last LCP Terminate-Request goes before the next run starts.
    sleep 2
}

# 1. L2TP in the clear (ProhibitIpSec=1) with MPPE-128.
start_xl2tpd "$OUT/xl2tpd-mppe.conf" mppe
"$BIN" host "$SCEN/client-cleartext.yaml" client --tun l2s0 --for 40 --until dial \
    >"$OUT/ours-mppe.txt" 2>&1
echo "ours (cleartext, MPPE): $?"
stop_xl2tpd

stamp "connection 1 done"

# 2. L2TP/IPsec: charon answers IKE with transport-mode ESP in this kernel;
# PPP inside it, no MPPE (XP does not negotiate MPPE over IPsec).
start_charon "$OUT/strongswan.conf" charon.vici "$OUT/pki" "$OUT/pki/swanctl.conf" swanctl-load.txt
start_xl2tpd "$OUT/xl2tpd-ipsec.conf" ipsec
"$BIN" host "$SCEN/client.yaml" client --tun l2s0 --for 40 --until dial \
    >"$OUT/ours-ipsec.txt" 2>&1
echo "ours (IPsec): $?"
swanctl --list-sas --uri "unix:///run/charon.vici" >"$OUT/swanctl-sas.txt" 2>&1
ip xfrm state >"$OUT/xfrm-state.txt" 2>&1
stop_xl2tpd
kill "$CHARON" 2>/dev/null
sleep 1

stamp "connection 2 done"

# 3. Our RRAS server against a Linux client: charon initiates with the
# client's certificate, xl2tpd dials as LAC, pppd authenticates as alice;
# then the guest pings the server's end of the link.
"$BIN" host "$SCEN/server.yaml" server --tun l2s0 --for 30 >"$OUT/ours-server.txt" 2>&1 &
OURS=$!
sleep 1
start_charon "$OUT/strongswan-lac.conf" charon-lac.vici "$OUT/pki-lac" \
    "$OUT/pki-lac/swanctl.conf" swanctl-lac-load.txt
swanctl --initiate --child l2tp --timeout 15 --uri "unix:///run/charon-lac.vici" \
    >"$OUT/swanctl-initiate.txt" 2>&1
start_xl2tpd "$OUT/xl2tpd-lac.conf" lac
for i in $(seq 1 150); do ip -o -4 addr show | grep -q "peer 10.10.0.100" && break; sleep 0.1; done
ip -o -4 addr show | grep "peer 10.10.0.100" >"$OUT/ppp0.txt" 2>&1
ping -c 2 -W 2 10.10.0.100 >"$OUT/ping-server.txt" 2>&1
swanctl --list-sas --uri "unix:///run/charon-lac.vici" >"$OUT/swanctl-lac-sas.txt" 2>&1
stop_xl2tpd
wait "$OURS"
kill "$CHARON" 2>/dev/null
sleep 1
stamp "connection 3 done"

# 4. Our XP client dialling PPTP: pptpd (TCP 1723, GRE in user space)
# and pppd with MS-CHAPv2 and MPPE-128.
/usr/sbin/pptpd -f -c "$OUT/pptpd.conf" >"$OUT/pptpd.log" 2>&1 &
PPTPD=$!
sleep 1
"$BIN" host "$SCEN/client-pptp.yaml" client --tun l2s0 --for 40 --until dial \
    >"$OUT/ours-pptp.txt" 2>&1
echo "ours (PPTP): $?"
kill "$PPTPD" 2>/dev/null
pkill pppd 2>/dev/null
sleep 1
stamp "connection 4 done"

# The servers Windows users dial (issue 22): libreswan, from its
# extracted package in L2S_LIBRESWAN, and charon with its defaults.
if [ -n "${L2S_LIBRESWAN:-}" ] && [ -x "$L2S_LIBRESWAN/usr/libexec/ipsec/pluto" ]; then
    . "$L2S_REPO/interop/guest/servers.sh"
fi
