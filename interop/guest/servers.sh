# Sourced by connections.sh in the QEMU guest when L2S_LIBRESWAN names
# libreswan's extracted package: the servers Windows users dial (issue 22),
# the cases numbered as the issue numbers them. libreswan is configured as
# the common setup script configures it, with a pre-shared key and with
# certificates (prepare.sh writes the files); charon with its defaults.
# Every log goes to $OUT; report-servers.sh prints and checks them.

# NAT in network namespaces (cases 3 to 5).
for m in veth nf_conntrack nf_nat nf_tables nft_compat nft_chain_nat \
         xt_MASQUERADE xt_nat xt_multiport xt_tcpudp; do
    modprobe "$m" || echo "modprobe $m failed"
done

# pluto runs its helpers from /usr/libexec/ipsec: a tmpfs over
# /usr/libexec holds links to the root's own entries and to the package's
# folder.
mkdir -p /run/libexec-root && mount --bind /usr/libexec /run/libexec-root
mount -t tmpfs tmpfs /usr/libexec
for e in /run/libexec-root/*; do ln -s "$e" /usr/libexec/; done
ln -s "$L2S_LIBRESWAN/usr/libexec/ipsec" /usr/libexec/ipsec
mkdir -p /run/pluto /run/nss
certutil -N -d sql:/run/nss --empty-password

whack() { /usr/libexec/ipsec/whack --ctlsocket /run/pluto/pluto.ctl "$@"; }
# start_pluto CONFIG LOG CONN...: pluto reading CONFIG, logging to
# $OUT/LOG.log, with each CONN added and its interfaces listened on.
start_pluto() {
    config=$1 log=$2
    shift 2
    rm -f /run/pluto/pluto.ctl
    /usr/libexec/ipsec/pluto --nofork --config "$config" \
        --secretsfile "$OUT/libreswan/ipsec.secrets" --nssdir /run/nss \
        --rundir /run/pluto --logfile "$OUT/$log.log" >"$OUT/$log-stderr.log" 2>&1 &
    PLUTO=$!
    for i in $(seq 1 100); do [ -S /run/pluto/pluto.ctl ] && break; sleep 0.1; done
    for conn in "$@"; do
        /usr/libexec/ipsec/addconn --config "$config" --ctlsocket /run/pluto/pluto.ctl \
            "$conn" >>"$OUT/addconn.txt" 2>&1
    done
    whack --listen >>"$OUT/addconn.txt" 2>&1
}
stop_pluto() {
    kill "$PLUTO" 2>/dev/null
    wait "$PLUTO" 2>/dev/null
    sleep 1
}
# namespace NAME LINK OURS THEIRS: network namespace NAME joined to this
# one by a veth pair (LINK here with OURS/24, eth0 there with THEIRS/24),
# its default route through us.
namespace() {
    ip netns add "$1"
    ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    ip link add "$2" type veth peer name eth0 netns "$1"
    ip addr add "$3/24" dev "$2"
    ip link set "$2" up
    ip netns exec "$1" ip link set lo up
    ip netns exec "$1" ip addr add "$4/24" dev eth0
    ip netns exec "$1" ip link set eth0 up
    ip netns exec "$1" ip route add default via "$3"
}
# The far ends of pppd's links: one per client whose PPP is up.
ppp_peers() { ip -o -4 addr show | grep -o "peer [0-9.]*" | cut -d' ' -f2; }
# wait_ppp N SECONDS: until N PPP links are up.
wait_ppp() {
    for i in $(seq 1 $(( $2 * 10 ))); do
        [ "$(ppp_peers | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
DIAL="--psk s3cret --user alice --password Secret1!"
ASSUME_UDP="--registry AssumeUDPEncapsulationContextOnSendRule=2"

start_pluto "$OUT/libreswan/ipsec.conf" pluto l2tp-psk
start_xl2tpd "$OUT/xl2tpd-libreswan.conf" libreswan

# 1. Our Windows 10 client with a pre-shared key, xl2tpd and pppd with
# MS-CHAPv2. The setup script's encapsulation=yes makes pluto's NAT-D say
# it is behind a NAT: Windows 10 then needs AssumeUDPEncapsulationContext-
# OnSendRule=2 (as the script's documentation tells its users).
"$BIN" host "$SCEN/client10-psk-assume-udp.yaml" client --tun l2s0 --for 40 --until dial \
    >"$OUT/ours-libreswan.txt" 2>&1
echo "ours (Windows 10 to libreswan): $?"
whack --trafficstatus >"$OUT/libreswan-traffic.txt" 2>&1
ip xfrm state >"$OUT/xfrm-libreswan.txt" 2>&1
stop_xl2tpd
start_xl2tpd "$OUT/xl2tpd-libreswan.conf" libreswan-default
# The same client with the value at its default, 0.
"$BIN" host "$SCEN/client10-psk.yaml" client --tun l2s0 --for 80 --until dial \
    >"$OUT/ours-libreswan-default.txt" 2>&1
echo "ours (Windows 10, default registry, to libreswan): $?"
# `l2tpsec-interop dial` against the same server, as a user would point it
# at theirs: the right key (connected, a capture with its keys) and a
# wrong one (IPsec audits on).
"$BIN" dial 10.99.0.1 --tun l2s0 --address 10.99.0.2 --gateway 10.99.0.1 \
    $DIAL --seed 4 --for 40 $ASSUME_UDP --pcap "$OUT/dial.pcapng" >"$OUT/dial.txt" 2>&1
echo "dial (right key): $?"
stop_xl2tpd
start_xl2tpd "$OUT/xl2tpd-libreswan.conf" libreswan-dial
"$BIN" dial 10.99.0.1 --tun l2s0 --address 10.99.0.2 --gateway 10.99.0.1 \
    --psk wrong --user alice --password 'Secret1!' --seed 5 --for 80 --audit \
    $ASSUME_UDP >"$OUT/dial-wrong-key.txt" 2>&1
echo "dial (wrong key): $?"
# 2. Our XP client against the same libreswan: refused.
"$BIN" host "$SCEN/client-xp-psk.yaml" client --tun l2s0 --for 40 --until dial \
    >"$OUT/ours-libreswan-xp.txt" 2>&1
echo "ours (XP to libreswan): $?"
stop_xl2tpd
stamp "libreswan cases 1 and 2 done"

start_xl2tpd "$OUT/xl2tpd-libreswan.conf" libreswan-nat
# 4. libreswan behind a NAT: namespace "far" holds two of our Windows 10
# clients on TUN devices made here (so `dial` leaves that side as it is:
# no NAT there); they dial 198.51.100.1, this side's outside address,
# whose UDP 500 and 4500 a DNAT rule hands to pluto at 10.99.0.1. First
# at AssumeUDPEncapsulationContextOnSendRule=2 (it holds its call a while
# and hangs up, so its PPP link is gone before case 3), then one at the
# default, which runs while cases 3 and 5 do.
namespace far vfar 198.51.100.1 198.51.100.2
ip route add 10.66.0.0/16 via 198.51.100.2
ip netns exec far sysctl -q -w net.ipv4.ip_forward=1
for n in 4 6; do
    ip netns exec far ip tuntap add dev "l2s$n" mode tun
    ip netns exec far ip addr add "10.66.$n.1/24" dev "l2s$n"
    ip netns exec far ip link set "l2s$n" up
done
iptables -t nat -A PREROUTING -i vfar -d 198.51.100.1 -p udp -m multiport --dports 500,4500 \
    -j DNAT --to-destination 10.99.0.1
ip netns exec far "$BIN" dial 198.51.100.1 --tun l2s6 --address 10.66.6.2 --gateway 10.66.6.1 \
    $DIAL --seed 11 --for 30 --hold $ASSUME_UDP >"$OUT/server-behind-nat-assume-udp.txt" 2>&1
echo "libreswan behind a NAT, value 2: $?"
ip netns exec far "$BIN" dial 198.51.100.1 --tun l2s4 --address 10.66.4.2 --gateway 10.66.4.1 \
    $DIAL --seed 10 --for 100 --audit >"$OUT/server-behind-nat-default.txt" 2>&1 &
SERVER_NAT_DEFAULT=$!

# 3. Our Windows 10 client behind a home NAT: namespace "home", whose
# eth0 (192.0.2.2) masquerades what our clients send from their TUN
# devices (`dial` makes each, turns on forwarding there and adds the
# MASQUERADE rule, and undoes it all). It holds its call (--hold) while
# case 5 runs; value 2 as in case 1.
BEFORE=$(ppp_peers | wc -l)
namespace home vhome 192.0.2.1 192.0.2.2
ip netns exec home "$BIN" dial 10.99.0.1 --tun l2s3 --address 10.77.3.2 --gateway 10.77.3.1 \
    $DIAL --seed 8 --for 130 --hold $ASSUME_UDP --pcap "$OUT/behind-nat.pcapng" \
    >"$OUT/behind-nat.txt" 2>"$OUT/behind-nat-host.txt" &
BEHIND_NAT=$!
wait_ppp $(( BEFORE + 1 )) 60 || echo "the first client's PPP did not come up"
whack --trafficstatus >"$OUT/libreswan-behind-nat-traffic.txt" 2>&1
# 5. A second Windows 10 client behind the same NAT while the first holds
# its call; pluto's and the kernel's state once the second's dial ended,
# while the first still holds.
ip netns exec home "$BIN" dial 10.99.0.1 --tun l2s5 --address 10.77.5.2 --gateway 10.77.5.1 \
    $DIAL --seed 9 --for 100 --hold $ASSUME_UDP >"$OUT/behind-nat-second.txt" 2>&1 &
SECOND=$!
wait "$SECOND"
echo "second client behind the NAT: $?"
ppp_peers >"$OUT/two-behind-nat.txt"
whack --trafficstatus >"$OUT/libreswan-two-traffic.txt" 2>&1
{ ip xfrm state; ip xfrm policy; } >"$OUT/xfrm-two-behind-nat.txt" 2>&1
ip netns exec home cat /proc/net/nf_conntrack >"$OUT/conntrack-home.txt" 2>&1
wait "$BEHIND_NAT"
echo "client behind the NAT: $?"
wait "$SERVER_NAT_DEFAULT"
echo "libreswan behind a NAT, default: $?"
iptables -t nat -F PREROUTING
stop_xl2tpd
stop_pluto
stamp "libreswan cases 3, 4 and 5 done"

# libreswan with certificates: the lab's PKI as `dial --pki-out` writes
# it, imported into pluto's NSS database (pk12util wants the server's
# certificate and key as PKCS#12: openssl makes it), then our Windows 10
# client dials with its certificate.
P="$OUT/dial-pki"
"$BIN" dial 10.99.0.1 --certificate --seed 12 --user alice --password x \
    --pki-out "$P" --pki-only >"$OUT/dial-pki.txt" 2>&1
openssl x509 -inform DER -in "$P/x509/server-cert.der" -out "$P/server.pem"
openssl pkey -inform DER -in "$P/rsa/server-cert.der" -out "$P/server.key"
openssl pkcs12 -export -in "$P/server.pem" -inkey "$P/server.key" -name server-cert \
    -passout pass: -out "$P/server.p12"
pk12util -i "$P/server.p12" -d sql:/run/nss -W '' >"$OUT/nss-import.txt" 2>&1
certutil -A -d sql:/run/nss -n lab-root -t "CT,," -i "$P/x509ca/lab-root.der" >>"$OUT/nss-import.txt" 2>&1
certutil -L -d sql:/run/nss >>"$OUT/nss-import.txt" 2>&1
start_pluto "$OUT/libreswan/ipsec-cert.conf" pluto-cert l2tp-cert
start_xl2tpd "$OUT/xl2tpd-libreswan.conf" libreswan-cert
"$BIN" dial 10.99.0.1 --tun l2s0 --address 10.99.0.2 --gateway 10.99.0.1 --certificate \
    --user alice --password 'Secret1!' --seed 12 --for 40 $ASSUME_UDP >"$OUT/dial-certificate.txt" 2>&1
echo "dial (certificate): $?"
stop_xl2tpd
stop_pluto
stamp "libreswan with certificates done"

# 7. libreswan at its default ikev1-policy: it drops IKEv1 silently.
# Windows 10 and XP dial at once, each on its own TUN interface.
start_pluto "$OUT/libreswan/ipsec-default.conf" pluto-default l2tp-psk
ip tuntap add dev l2s1 mode tun
ip addr add 10.99.1.1/24 dev l2s1
ip link set l2s1 up
"$BIN" dial 10.99.0.1 --tun l2s0 --address 10.99.0.2 --gateway 10.99.0.1 \
    --role windows-10-client $DIAL --seed 6 --for 100 >"$OUT/drop-windows-10.txt" 2>&1 &
TEN=$!
"$BIN" dial 10.99.0.1 --tun l2s1 --address 10.99.1.2 --gateway 10.99.1.1 \
    --role windows-xp-sp2-client $DIAL --seed 7 --for 100 >"$OUT/drop-xp.txt" 2>&1
echo "XP to libreswan dropping IKEv1: $?"
wait "$TEN"
echo "Windows 10 to libreswan dropping IKEv1: $?"
stop_pluto
stamp "libreswan case 7 done"

# 6. charon with its defaults (no proposals named, PSK): which proposal
# it takes from Windows 10's offers, then xl2tpd and pppd as for
# libreswan. No NAT between: ESP in IP.
start_charon "$OUT/strongswan-defaults.conf" charon-defaults.vici "$OUT/swanctl-defaults" \
    "$OUT/swanctl-defaults/swanctl.conf" swanctl-defaults-load.txt
start_xl2tpd "$OUT/xl2tpd-libreswan.conf" charon-defaults
"$BIN" dial 10.99.0.1 --tun l2s0 --address 10.99.0.2 --gateway 10.99.0.1 \
    $DIAL --seed 13 --for 40 >"$OUT/dial-charon-defaults.txt" 2>&1
echo "dial (charon with its defaults): $?"
swanctl --list-sas --uri "unix:///run/charon-defaults.vici" >"$OUT/swanctl-defaults-sas.txt" 2>&1
stop_xl2tpd
kill "$CHARON" 2>/dev/null
sleep 1
stamp "charon with its defaults done"
