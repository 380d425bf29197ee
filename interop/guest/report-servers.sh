# Sourced by report.sh when the servers' cases ran (interop/guest/
# servers.sh): prints what each peer concluded, case by case as issue 22
# numbers them, and sets ok=false when one did not end as expected. Case
# 5 is a record: what real libreswan does with two clients behind one NAT
# is printed, not asserted.
need() { # need PATTERN FILE MESSAGE: grep -q or fail with MESSAGE
    grep -q -e "$1" "$OUT/$2" 2>/dev/null || { echo "FAIL: $3"; ok=false; }
}
brief() { # the lines of a dial's output a person reads first
    echo "--- $1"
    grep -v -e "^packet" "$OUT/$1" 2>/dev/null \
        | grep -E "^connected|^error|^dial|^event|Failure Reason|State:|Security Methods|AES|3DES|^capture|^authority|^certificate" \
        || echo "(missing)"
}
echo "=== 1. Windows 10 to libreswan (PSK)"
show ours-libreswan.txt
echo "--- pluto"; grep -E "OAKLEY|Oakley|transform|STATE_MAIN_R3|established|IPsec SA|NO_PROPOSAL|NAT" "$OUT/pluto.log" | head -30 || true
show libreswan-traffic.txt
echo "--- pppd (libreswan)"; grep -E "CHAP|local  IP|remote IP" "$OUT/pppd-libreswan.log" | head -20 || true
need "dial l2tp connected" ours-libreswan.txt "Windows 10 to libreswan did not connect"
need ", [12] ping replies" ours-libreswan.txt "the pings through libreswan got no reply"
echo "--- ours-libreswan-default.txt"; grep -v "^packet" "$OUT/ours-libreswan-default.txt" | grep -E "^dial|^event" || true
need "dial l2tp error 809" ours-libreswan-default.txt "Windows 10 with the default registry did not end with 809"
brief dial.txt
need "^connected" dial.txt "l2tpsec-interop dial did not connect"
brief dial-wrong-key.txt
echo "--- pluto (wrong key)"; grep -m1 "probable authentication failure" "$OUT/pluto.log" || true
# pluto cannot open MM5 and stays silent: the client times out (809),
# where RRAS's sealed notify gives 789 (windows-10-psk-mismatch).
need "^error 809" dial-wrong-key.txt "the wrong key did not end with 809"
need "event security 4653" dial-wrong-key.txt "no 4653 for the wrong key"

echo "=== 2. XP to libreswan"
show ours-libreswan-xp.txt
need "dial l2tp error 788" ours-libreswan-xp.txt "XP to libreswan did not end with 788"
need "no acceptable Oakley Transform" pluto.log "pluto did not refuse XP's Main Mode"

echo "=== 3. Windows 10 behind a MASQUERADE to libreswan"
brief behind-nat.txt
show behind-nat-host.txt
echo "--- pluto"; grep -E "192\.0\.2\.2" "$OUT/pluto.log" | grep -E "established|NATD" | head -4 || true
need "^connected" behind-nat.txt "Windows 10 behind the NAT did not connect"
need "NATD=192.0.2.2:4500" pluto.log "pluto did not see the client's NAT (UDP 4500 from 192.0.2.2)"

echo "=== 4. libreswan behind a DNAT"
brief server-behind-nat-default.txt
brief server-behind-nat-assume-udp.txt
echo "--- pluto"; grep -E "10\.66\.6\.2" "$OUT/pluto.log" | grep -E "established" | head -3 || true
need "^error 809" server-behind-nat-default.txt "Windows 10 at the default did not end with 809 against libreswan behind a NAT"
need "event security 4653" server-behind-nat-default.txt "no 4653 against libreswan behind a NAT"
need "^connected" server-behind-nat-assume-udp.txt "Windows 10 at value 2 did not connect to libreswan behind a NAT"

echo "=== 5. two Windows 10 clients behind one NAT (a record)"
brief behind-nat-second.txt
echo "--- pluto"; grep -E "192\.0\.2\.2" "$OUT/pluto.log" | grep -E "eroute|internal error|established|deleting" | head -12 || true
echo "--- pluto's IPsec SAs once the second dial ended (the first still holding)"
cat "$OUT/libreswan-two-traffic.txt" 2>/dev/null || true
need "^dial l2tp " behind-nat-second.txt "the second client behind the NAT did not end its dial"

echo "=== libreswan with certificates"
show nss-import.txt
brief dial-certificate.txt
echo "--- pluto"; grep -E "certificate|established|authenticated|Oakley" "$OUT/pluto-cert.log" | head -12 || true
need "^connected" dial-certificate.txt "Windows 10 with a certificate did not connect to libreswan"

echo "=== 6. Windows 10 to charon with its defaults"
brief dial-charon-defaults.txt
echo "--- charon"; grep -E "selected proposal|established|no acceptable|NO_PROPOSAL|received proposals|configured proposals" "$OUT/charon-defaults.log" | head -12 || true
grep -v "^plugin" "$OUT/swanctl-defaults-sas.txt" 2>/dev/null || true
need "selected proposal: IKE:" charon-defaults.log "charon selected no IKE proposal"
need "^connected" dial-charon-defaults.txt "Windows 10 did not connect to charon with its defaults"

echo "=== 7. libreswan at its default ikev1-policy"
grep -m2 "ignoring IKEv1" "$OUT/pluto-default.log" || true
grep -E "^error" "$OUT/drop-windows-10.txt" "$OUT/drop-xp.txt" || true
need "^error 809" drop-windows-10.txt "Windows 10 did not end with 809 against a server that drops IKEv1"
need "^error 792" drop-xp.txt "XP did not end with 792 against a server that drops IKEv1"
