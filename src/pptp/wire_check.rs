//! A whole PPTP exchange as Wireshark reads it: two TCP stacks carry the
//! control connection of a PNS and a PAC, GRE carries PPP frames both
//! ways, every packet is captured once in a pcapng, and tshark must name
//! every control message, read every GRE key and number, and find nothing
//! malformed and no TCP analysis warning on this clean link (issue 9,
//! "Wire and keys"). Without tshark the test says so and passes, except
//! under CI (`CI=true`), where a missing tshark fails, as in the harness.

use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;
use std::process::Command;

use super::*;
use crate::net::capture::{write_pcapng, CapturedPacket, Direction};
use crate::tcp::{Conn, TcpEvent, TcpStack};
use crate::windows::version::{SERVER_2003, XP_SP2};
use crate::wire::{gre, ipv4};

const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);

fn tshark_available() -> bool {
    let found = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var("CI").map_or(true, |v| v != "true"),
        "tshark is required under CI"
    );
    found
}

/// A side's PPTP identity as its Windows version's row gives it (the PNS
/// an XP client, the PAC a Server 2003 RRAS); the host names are this
/// fixture's own, as no machine is named here.
fn cfg(row: &crate::windows::version::Profile, host: &str) -> PptpConfig {
    PptpConfig {
        host_name: host.into(),
        vendor_name: row.pptp.vendor.into(),
        firmware_revision: row.pptp.firmware,
        receive_window: row.pptp.receive_window,
    }
}

fn gre_ip(src: Ipv4Addr, dst: Ipv4Addr, ident: u16, g: &[u8]) -> Vec<u8> {
    let r = ipv4::Repr {
        src_addr: src,
        dst_addr: dst,
        protocol: ipv4::Protocol::Gre,
        payload_len: g.len(),
        ttl: 128,
        ident,
        dont_frag: false,
    };
    ipv4::build(&r, g).unwrap_or_default()
}

/// Client and server, each a TCP stack and (once connected) a control.
struct Side {
    tcp: TcpStack,
    conn: Option<Conn>,
    control: Option<Control>,
    addr: Ipv4Addr,
}

/// Runs the exchange and returns every packet in send order with times.
fn exchange() -> Vec<(Duration, Vec<u8>)> {
    let mut sides = [
        Side {
            tcp: TcpStack::new(&[CLIENT], 7, 128),
            conn: None,
            control: None,
            addr: CLIENT,
        },
        Side {
            tcp: TcpStack::new(&[SERVER], 9, 128),
            conn: None,
            control: None,
            addr: SERVER,
        },
    ];
    sides[1].tcp.listen(Duration::ZERO, 1723);
    sides[0].tcp.connect(
        Duration::ZERO,
        SocketAddrV4::new(CLIENT, 0),
        SocketAddrV4::new(SERVER, 1723),
    );
    let mut packets = Vec::new();
    let mut wire: Vec<(Duration, usize, Vec<u8>)> = Vec::new();
    let mut now = Duration::ZERO;
    let mut ident = 1u16;
    let mut ppp_sent = 0;
    while now < Duration::from_secs(5) {
        for (i, s) in sides.iter_mut().enumerate() {
            while let Some(e) = s.tcp.poll_event() {
                match e {
                    TcpEvent::Connected(c) => {
                        s.conn = Some(c);
                        s.control = Some(Control::pns(cfg(&XP_SP2, ""), now, 0x8000));
                    }
                    TcpEvent::Accepted { conn, .. } => {
                        s.conn = Some(conn);
                        s.control = Some(Control::pac(cfg(&SERVER_2003, "VPNSRV"), now));
                    }
                    TcpEvent::Readable(c) => {
                        let bytes = s.tcp.recv(now, c);
                        if let Some(ctl) = s.control.as_mut() {
                            assert!(ctl.handle_stream(now, &bytes).is_empty());
                        }
                    }
                    _ => {}
                }
            }
            if let (Some(ctl), Some(conn)) = (s.control.as_mut(), s.conn) {
                while let Some(e) = ctl.poll_event() {
                    match e {
                        PptpEvent::CallRequested { .. } => ctl.answer_call(Some(0x4000), 0),
                        PptpEvent::CallUp if i == 0 && ppp_sent == 0 => {
                            // An LCP Configure-Request (MRU 1400, magic).
                            let lcp = b"\xff\x03\xc0\x21\x01\x01\x00\x0e\x01\x04\x05\x78\x05\x06\x12\x34\x56\x78";
                            ctl.send_ppp(lcp).expect("the call is up");
                            ppp_sent += 1;
                        }
                        PptpEvent::PppFrame(f) if i == 1 => {
                            // The server answers with a Configure-Ack of it.
                            let mut ack = f.clone();
                            ack[4] = 2;
                            ctl.send_ppp(&ack).expect("the call is up");
                        }
                        _ => {}
                    }
                }
                while let Some(b) = ctl.poll_stream() {
                    s.tcp.send(now, conn, &b);
                }
                while let Some(g) = ctl.poll_gre() {
                    let peer = if i == 0 { SERVER } else { CLIENT };
                    ident = ident.wrapping_add(1);
                    let p = gre_ip(s.addr, peer, ident, &g);
                    packets.push((now, p.clone()));
                    wire.push((now + Duration::from_millis(15), 1 - i, p));
                }
            }
            while let Some(p) = s.tcp.poll_transmit() {
                packets.push((now, p.clone()));
                wire.push((now + Duration::from_millis(15), 1 - i, p));
            }
        }
        let timers = sides.iter().flat_map(|s| {
            [
                s.tcp.poll_timeout(),
                s.control.as_ref().and_then(Control::poll_timeout),
            ]
        });
        let next = wire.iter().map(|w| w.0).chain(timers.flatten()).min();
        let Some(next) = next else { break };
        now = next.max(now);
        if let Some(k) = wire.iter().position(|w| w.0 <= now) {
            let (_, to, p) = wire.remove(k);
            if ipv4::Packet::new_checked(&p[..])
                .is_ok_and(|ip| ip.protocol() == ipv4::Protocol::Gre)
            {
                let payload = ipv4::Packet::new_checked(&p[..]).map(|ip| ip.payload().to_vec());
                if let (Ok(g), Some(ctl)) = (payload, sides[to].control.as_mut()) {
                    if let Ok(r) = gre::parse(&g) {
                        ctl.handle_gre(now, &r).expect("GRE of a call that is up");
                    }
                }
            } else {
                sides[to].tcp.handle_packet(now, &p);
            }
        } else {
            for s in &mut sides {
                s.tcp.handle_timeout(now);
                if let Some(c) = s.control.as_mut() {
                    c.handle_timeout(now);
                }
            }
        }
    }
    packets
}

fn tshark(file: &std::path::Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n")
        .arg("-r")
        .arg(file)
        .args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn tshark_reads_the_control_connection_and_the_gre_of_a_call() {
    let packets = exchange();
    let captured: Vec<CapturedPacket> = packets
        .into_iter()
        .enumerate()
        .map(|(transmit, (time, data))| CapturedPacket {
            host: "client".into(),
            segment: "lan".into(),
            iface: 0,
            time,
            direction: Direction::Out,
            data,
            transmit: transmit as u64,
        })
        .collect();
    let mut pcap = Vec::new();
    write_pcapng(
        &mut pcap,
        &[("client".into(), 0, "lan".into())],
        &captured,
        0,
    )
    .unwrap();
    if !tshark_available() {
        eprintln!("tshark not installed: PPTP capture check skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("l2tpsec-pptp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pptp.pcapng");
    std::fs::write(&file, &pcap).unwrap();
    let types = tshark(&file, "pptp", &["pptp.control_message_type"]);
    assert_eq!(
        types,
        ["1", "2", "7", "8", "15"],
        "control messages in order"
    );
    let bad = tshark(
        &file,
        "_ws.malformed || _ws.expert.severity >= 0x00600000 || tcp.analysis.flags",
        &["frame.number", "_ws.expert.message"],
    );
    assert!(
        bad.is_empty(),
        "malformed, warnings or TCP analysis: {bad:?}"
    );
    let gre = tshark(
        &file,
        "gre",
        &["gre.key.call_id", "gre.sequence_number", "gre.ack_number"],
    );
    // The client's LCP (to the server's call 0x4000, seq 0), the server's
    // answer carrying its ack, then the client's lone ack.
    assert_eq!(gre, ["16384\t0\t", "32768\t0\t0", "16384\t\t0"]);
    // Configure-Request and its Ack, MRU 1400 in both, inside GRE.
    let lcp = tshark(&file, "gre && lcp.opt.mru == 1400", &["frame.number"]);
    assert_eq!(lcp.len(), 2, "LCP inside GRE: {lcp:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
