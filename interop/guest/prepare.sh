# Sourced by the full-stack guests' run scripts (interop/guest/run.sh,
# interop/uml/run.sh): writes into $OUT the PKI, charon's, xl2tpd's,
# pppd's and pptpd's configurations for the connections of
# connections.sh. Needs REPO (cwd), OUT, G ($OUT as the guest sees it) and
# BIN. charon's vici sockets live in the guest's /run (a tmpfs in both
# guests: a socket on a shared folder is not portable).
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
      socket = unix:///run/charon.vici
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
sed -e "s|$G/charon.log|$G/charon-lac.log|" -e "s|/run/charon.vici|/run/charon-lac.vici|" \
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

# libreswan (issue 22), run from its extracted package (it conflicts with
# strongSwan's packages, INTEROP.md third round), configured as the common
# setup script (hwdsl2 setup-ipsec-vpn) writes it (WINDOWS.md 10): its
# ike=, phase2alg=, pfs, encapsulation and lifetimes; ikev1-policy=accept,
# without which libreswan 4.10 drops IKEv1 silently. Each client file has
# its own seed: pluto would take a second client's first message, cookie
# for cookie, as the first one's retransmission. Its xl2tpd and pppd
# options as that script writes them (less proxyarp: no LAN here).
mkdir -p "$OUT/libreswan"
cat >"$OUT/libreswan/ipsec.conf" <<'EOF'
config setup
  ikev1-policy=accept
  uniqueids=no

conn shared
  left=10.99.0.1
  leftid=10.99.0.1
  right=%any
  encapsulation=yes
  authby=secret
  pfs=no
  rekey=no
  keyingtries=5
  dpddelay=30
  dpdtimeout=300
  dpdaction=clear
  ikev2=never
  ike=aes256-sha2;modp2048,aes128-sha2;modp2048,aes256-sha1;modp2048,aes128-sha1;modp2048
  phase2alg=aes_gcm-null,aes128-sha1,aes256-sha1,aes256-sha2_512,aes128-sha2,aes256-sha2
  ikelifetime=24h
  salifetime=24h
  sha2-truncbug=no

conn l2tp-psk
  auto=add
  # Not the script's: its updown is `ipsec _updown`, and here `ipsec` is
  # strongSwan's, whose updown libreswan cannot run.
  leftupdown=/usr/libexec/ipsec/_updown
  leftprotoport=17/1701
  rightprotoport=17/%any
  type=transport
  also=shared
EOF
printf '%%any %%any : PSK "s3cret"\n' >"$OUT/libreswan/ipsec.secrets"
cat >"$OUT/xl2tpd-libreswan.conf" <<EOF
[global]
listen-addr = 10.99.0.1
port = 1701

[lns default]
ip range = 192.168.42.10-192.168.42.250
local ip = 192.168.42.1
require chap = yes
refuse pap = yes
require authentication = yes
name = l2tpd
pppoptfile = $G/options-libreswan
length bit = yes
EOF
printf '+mschap-v2\nipcp-accept-local\nipcp-accept-remote\nnoccp\nauth\nmtu 1280\nmru 1280\nms-dns 8.8.8.8\nlcp-echo-failure 4\nlcp-echo-interval 30\nconnect-delay 5000\ndebug\nlogfile %s/pppd-libreswan.log\n' "$G" >"$OUT/options-libreswan"
# Case 7: the same server left at libreswan's own ikev1-policy, which
# drops IKEv1 without a word.
grep -v "ikev1-policy=accept" "$OUT/libreswan/ipsec.conf" >"$OUT/libreswan/ipsec-default.conf"

# The same server with certificates (the setup script's L2TP mode has a
# key only; its IKEv2 mode has certificates): the lab's server-cert from
# `dial --pki-out` in pluto's NSS database, the client's accepted when the
# same root issued it.
sed -e 's/^conn l2tp-psk/conn l2tp-cert/' -e 's/authby=secret/authby=rsasig/' \
    -e 's/^  leftid=10.99.0.1/  leftid=%fromcert\n  leftcert=server-cert\n  leftsendcert=always\n  rightid=%fromcert\n  rightca=%same/' \
    "$OUT/libreswan/ipsec.conf" >"$OUT/libreswan/ipsec-cert.conf"

# Case 6: charon with its defaults: no proposals named, a pre-shared key,
# transport mode for L2TP (what any L2TP server needs).
sed -e "s|$G/charon.log|$G/charon-defaults.log|" -e "s|/run/charon.vici|/run/charon-defaults.vici|" \
    "$OUT/strongswan.conf" >"$OUT/strongswan-defaults.conf"
mkdir -p "$OUT/swanctl-defaults"
cat >"$OUT/swanctl-defaults/swanctl.conf" <<'CONF'
connections {
  l2tp {
    version = 1
    local_addrs = 10.99.0.1
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      l2tp {
        mode = transport
        local_ts = dynamic[udp/1701]
        remote_ts = dynamic[udp/1701]
      }
    }
  }
}
secrets {
  ike-windows {
    secret = s3cret
  }
}
CONF
