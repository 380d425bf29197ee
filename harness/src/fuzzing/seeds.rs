//! Seed inputs (`fuzz/seeds/<target>/`): the messages of whole connections
//! of the back-to-back lab, with IPsec and in the clear, cut at the layer
//! each parser target reads; the machine targets' next client packets; a
//! few shipped scenario files. `tests/fuzz_regressions.rs` writes them.

use std::path::Path;
use std::time::Duration;

use l2tpsec::wire::l2tp::DataRepr;
use l2tpsec::wire::ppp::{Frame, Protocol};
use l2tpsec::wire::{udp, Flow, WireKind};

use super::lab::{Carriage, Lab};
use l2tpsec::pptp::{Control, PptpConfig, PptpEvent};
use l2tpsec::windows::version::{Profile, SERVER_2003, XP_SP2};
use l2tpsec::wire::gre;

/// The two halves of a PPTP control connection, as our engines speak it:
/// the client's stream (SCCRQ, OCRQ, Set-Link-Info, then on hang-up CCRQ
/// and StopCCRQ) and the server's (SCCRP, OCRP, CDN, StopCCRP).
fn pptp_streams() -> Vec<Vec<u8>> {
    // Each side's identity is its Windows version's row (the PNS an XP
    // client, the PAC a Server 2003 RRAS); the host names are the seeds'
    // own, as no machine is named here.
    let cfg = |row: &Profile, host: &str| PptpConfig {
        host_name: host.into(),
        vendor_name: row.pptp.vendor.into(),
        firmware_revision: row.pptp.firmware,
        receive_window: row.pptp.receive_window,
    };
    let now = Duration::ZERO;
    let mut pns = Control::pns(cfg(&XP_SP2, ""), now, 0x8000);
    let mut pac = Control::pac(cfg(&SERVER_2003, "VPNSRV"), now);
    let (mut client, mut server) = (Vec::new(), Vec::new());
    for round in 0..8 {
        if round == 4 {
            pns.hang_up();
        }
        while let Some(b) = pns.poll_stream() {
            let _ = pac.handle_stream(now, &b);
            client.extend(b);
        }
        while let Some(e) = pac.poll_event() {
            if let PptpEvent::CallRequested { .. } = e {
                pac.answer_call(Some(0x4000), 0);
            }
        }
        while let Some(b) = pac.poll_stream() {
            let _ = pns.handle_stream(now, &b);
            server.extend(b);
        }
    }
    vec![client, server]
}

/// Seeds kept per parser target: enough to show each message kind.
const PER_TARGET: usize = 12;

/// Every packet of a whole connection, in delivery order.
fn connection(carriage: Carriage) -> Vec<Vec<u8>> {
    let mut lab = Lab::new(carriage);
    let mut packets = Vec::new();
    lab.run_until(Duration::from_secs(30), |_, p| {
        packets.push(p.to_vec());
        false
    });
    packets
}

/// (target, file name, bytes) of every seed.
pub fn all() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut push = |target: &'static str, data: &[u8]| {
        let n = out.iter().filter(|(t, _, _)| *t == target).count();
        let dup = out.iter().any(|(t, _, d)| *t == target && d == data);
        if n < PER_TARGET && !dup {
            out.push((target, format!("{target}-{n:02}.bin"), data.to_vec()));
        }
    };
    for carriage in [Carriage::Ipsec, Carriage::Cleartext] {
        for packet in connection(carriage) {
            let Ok(flow) = Flow::classify(&packet) else {
                continue;
            };
            if flow.kind == WireKind::Esp {
                push("esp", flow.payload(&packet));
                continue;
            }
            let Ok(d) = udp::parse_segment(flow.src, flow.dst, flow.transport(&packet)) else {
                continue;
            };
            match flow.kind {
                WireKind::Isakmp => push("isakmp", d.payload),
                WireKind::L2tp => {
                    push("l2tp", d.payload);
                    let Ok(data) = DataRepr::parse_bytes(d.payload) else {
                        continue;
                    };
                    push("ppp", data.payload);
                    // The same PPP frames, as PPTP's GRE would carry them.
                    let n = u32::try_from(data.payload.len()).unwrap_or(0);
                    if let Ok(g) = (gre::Repr {
                        call_id: 0x4000,
                        seq: Some(n),
                        ack: n.checked_sub(1),
                        payload: data.payload,
                    })
                    .emit()
                    {
                        push("gre", &g);
                    }
                    if let Ok(f) = Frame::parse(data.payload) {
                        if f.protocol == Protocol::Chap {
                            push("mschapv2", f.info);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for (i, stream) in pptp_streams().into_iter().enumerate() {
        out.push(("pptp", format!("pptp-{i:02}.bin"), stream));
    }
    let ack_only = gre::Repr {
        call_id: 0x8000,
        seq: None,
        ack: Some(3),
        payload: &[],
    };
    if let Ok(g) = ack_only.emit() {
        out.push(("gre", "gre-ack-only.bin".into(), g));
    }
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    for name in [
        "l2tp-ipsec-connect",
        "l2tp-cleartext-connect",
        "nat-behind-client",
    ] {
        if let Ok(text) = std::fs::read(scenarios.join(format!("{name}.yaml"))) {
            out.push(("scenario", format!("{name}.yaml"), text));
        }
    }
    // Per-interface captures of two runs, and the same as classic pcap
    // (`capture`).
    for name in ["udp500-blocked", "pptp-gre-blocked"] {
        let Ok(s) =
            crate::scenario::load::load_file(&scenarios.join(format!("{name}.yaml")), &scenarios)
        else {
            continue;
        };
        let opts = crate::run::RunOptions {
            want_pcap: true,
            ..crate::run::RunOptions::report_of(&s)
        };
        if let Some(c) = crate::run::run(&s, &opts)
            .ok()
            .and_then(|o| o.interface_pcapngs.into_iter().next())
        {
            out.push(("capture", format!("{name}-client.pcapng"), c.pcapng));
        }
    }
    for (target, data) in super::machines::seeds()
        .into_iter()
        .chain(super::pptp_points::seeds())
    {
        out.push((target, format!("{target}-next-client-packets.bin"), data));
    }
    out
}
