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
"$BIN" pki interop/scenarios/client.yaml --out "$OUT/pki" >/dev/null

cat >"$OUT/strongswan.conf" <<CONF
charon {
  load_modular = yes
  plugins {
    include /etc/strongswan.d/charon/*.conf
  }
}
include /etc/strongswan.d/*.conf
charon {
  install_routes = no
  filelog {
    log {
      path = $G/charon.log
      time_format = %T
      default = 1
      ike = 2
      flush_line = yes
    }
  }
  plugins {
    vici {
      socket = unix://$G/charon.vici
    }
  }
}
CONF

cat >"$OUT/pki/swanctl.conf" <<'CONF'
connections {
  xp {
    version = 1
    local_addrs = 10.99.0.1
    remote_addrs = 10.99.0.2
    proposals = 3des-sha1-modp1024
    local {
      auth = pubkey
      certs = server-cert.der
    }
    remote {
      auth = pubkey
      cacerts = corp-root.der
    }
    children {
      l2tp {
        mode = transport
        local_ts = dynamic[udp/1701]
        remote_ts = dynamic[udp/1701]
        esp_proposals = 3des-sha1
      }
    }
  }
}
CONF

# The Linux client's side (run 3): charon initiating with the client's
# certificate to our RRAS server, xl2tpd as LAC, pppd as alice.
"$BIN" pki interop/scenarios/server.yaml --out "$OUT/pki-lac" >/dev/null
sed -e "s|$G/charon.log|$G/charon-lac.log|" -e "s|$G/charon.vici|$G/charon-lac.vici|" \
    "$OUT/strongswan.conf" >"$OUT/strongswan-lac.conf"
sed -e "s|server-cert.der|client-cert.der|" "$OUT/pki/swanctl.conf" >"$OUT/pki-lac/swanctl.conf"
cat >"$OUT/xl2tpd-lac.conf" <<CONF
[global]
listen-addr = 10.99.0.1
port = 1701

[lac ours]
lns = 10.99.0.2
name = alice
autodial = yes
redial = no
length bit = yes
pppoptfile = $G/options-lac
CONF
printf 'name alice\nuser alice\nnoauth\nrefuse-eap\nrefuse-pap\nrefuse-chap\nnoccp\nnomppe\nipcp-accept-local\nipcp-accept-remote\nnodefaultroute\ndebug\nlogfile %s/pppd-lac.log\n' "$G" >"$OUT/options-lac"

printf 'alice * "Secret1!" *\n' >"$OUT/chap-secrets"
for run in mppe ipsec; do
    cat >"$OUT/xl2tpd-$run.conf" <<CONF
[global]
listen-addr = 10.99.0.1
port = 1701

[lns default]
ip range = 10.10.0.100-10.10.0.150
local ip = 10.10.0.1
require authentication = no
name = xl2tpd-lns
length bit = yes
pppoptfile = $G/options-$run
CONF
done
common="name xl2tpd-lns
require-mschap-v2
ms-dns 10.10.0.1
nodefaultroute
debug"
printf "%s\nrequire-mppe-128\nlogfile %s/pppd-mppe.log\n" "$common" "$G" >"$OUT/options-mppe"
# pptpd for our PPTP client (run 4).
printf 'option %s/options-pptpd\nlisten 10.99.0.1\nlocalip 10.10.1.1\nremoteip 10.10.1.100-150\n' "$G" >"$OUT/pptpd.conf"
printf '%s\nrequire-mppe-128\nlogfile %s/pppd-pptp.log\n' "$common" "$G" >"$OUT/options-pptpd"
printf '%s\nnomppe\nnoccp\nlogfile %s/pppd-ipsec.log\n' "$common" "$G" >"$OUT/options-ipsec"

start=$(date +%s)
timeout 240 linux.uml mem=512M root=/dev/root rootfstype=hostfs rootflags=/ ro \
    init="$REPO/interop/uml/init.sh" L2S_REPO="$REPO" L2S_OUT="$OUT" \
    con0=fd:0,fd:1 con=null >"$OUT/console.log" 2>&1 </dev/null || true
echo "User-Mode Linux boot and all four connections: $(( $(date +%s) - start )) s"

show() { echo "--- $1"; cat "$OUT/$1" 2>/dev/null || echo "(missing)"; }
show guest.log
show ours-mppe.txt
echo "--- pppd (cleartext L2TP)"; grep -E "MPPE|CHAP|local  IP|remote IP|rcvd \[IPCP ConfAck" "$OUT/pppd-mppe.log" || true
echo "--- xl2tpd (cleartext L2TP)"; grep -E "established|Call" "$OUT/xl2tpd-mppe.log" || true
show ours-ipsec.txt
echo "--- charon"; grep -E "established|selected proposal|CHILD_SA" "$OUT/charon.log" || true
show swanctl-sas.txt
echo "--- pppd (L2TP/IPsec)"; grep -E "CHAP|local  IP|remote IP" "$OUT/pppd-ipsec.log" || true

ok=true
grep -q "dial l2tp connected" "$OUT/ours-mppe.txt" || { echo "FAIL: cleartext L2TP did not connect"; ok=false; }
grep -q "MPPE 128-bit stateless compression enabled" "$OUT/pppd-mppe.log" || { echo "FAIL: no MPPE-128"; ok=false; }
# A ping crossed: at least one of the two echoes was answered (the first
# can reach the guest before pppd has given ppp0 its address).
grep -Eq ", [12] ping replies" "$OUT/ours-mppe.txt" || { echo "FAIL: the pings over MPPE got no reply"; ok=false; }
grep -q "dial l2tp connected" "$OUT/ours-ipsec.txt" || { echo "FAIL: L2TP/IPsec did not connect"; ok=false; }
grep -Eq ", [12] ping replies" "$OUT/ours-ipsec.txt" || { echo "FAIL: the pings over IPsec got no reply"; ok=false; }
show ours-server.txt
echo "--- charon (initiator)"; grep -E "established|selected proposal" "$OUT/charon-lac.log" || true
echo "--- pppd (Linux client)"; grep -E "CHAP|local  IP|remote IP" "$OUT/pppd-lac.log" || true
show ppp0.txt
show ping-server.txt
grep -q "CHILD_SA l2tp{1} established" "$OUT/charon-lac.log" || { echo "FAIL: no CHILD_SA with our server"; ok=false; }
grep -q "remote IP address 10.10.0.100" "$OUT/pppd-lac.log" || { echo "FAIL: the Linux client's PPP did not come up"; ok=false; }
grep -Eq "[12] received" "$OUT/ping-server.txt" || { echo "FAIL: our server did not answer the ping"; ok=false; }
show ours-pptp.txt
echo "--- pptpd"; grep -E "CTRL|GRE|connect" "$OUT/pptpd.log" | head -20 || true
echo "--- pppd (PPTP)"; grep -E "MPPE|CHAP|local  IP|remote IP" "$OUT/pppd-pptp.log" || true
grep -q "dial pptp connected" "$OUT/ours-pptp.txt" || { echo "FAIL: PPTP did not connect"; ok=false; }
grep -q "MPPE 128-bit stateless compression enabled" "$OUT/pppd-pptp.log" || { echo "FAIL: no MPPE-128 over PPTP"; ok=false; }
$ok && echo "interop-uml: passed"
$ok
