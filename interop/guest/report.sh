# Sourced by the full-stack guests' run scripts once the guest halted:
# prints what each peer concluded in the connections and sets $ok
# (false when one did not come up). Needs OUT and GUEST_NAME.
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
[ -e "$OUT/ours-libreswan.txt" ] && . "$REPO/interop/guest/report-servers.sh"
$ok && echo "$GUEST_NAME: passed"
