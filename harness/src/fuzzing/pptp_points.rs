//! Machine targets for PPTP: the RRAS server of the back-to-back PPTP lab
//! (`pptp-connect`), as a PAC after the client's Start-Control-Connection-
//! Request (the input's packets are control-connection bytes, each in a TCP
//! segment that continues the client's stream), and once the call is up
//! (each packet is a GRE packet from the client, IP protocol 47).

use std::sync::OnceLock;

use l2tpsec::windows::WindowsMachine;
use l2tpsec::wire::pptp::{Message, MessageType, TCP_PORT};
use l2tpsec::wire::{ipv4, tcp, Flow};

use super::lab::{Carriage, Side, CLIENT, SERVER};
use super::machines::{feed, join, prepare, split, Prepared, FIRST_IDENT};

/// The client's end of the control connection at the point: its port, the
/// sequence number its next byte takes, what it acknowledges, its window.
#[derive(Debug, Clone, Copy, Default)]
struct Stream {
    port: u16,
    next_seq: u32,
    ack: u32,
    window: u16,
}

/// A TCP segment's view and its payload, if `packet` is TCP.
fn segment(packet: &[u8]) -> Option<(tcp::Packet<&[u8]>, &[u8])> {
    let flow = Flow::classify(packet).ok()?;
    if flow.protocol != ipv4::Protocol::Tcp {
        return None;
    }
    let bytes = flow.transport(packet);
    let seg = tcp::Packet::new_checked(bytes).ok()?;
    let payload = bytes.get(seg.header_len()..)?;
    Some((seg, payload))
}

fn control_message(packet: &[u8]) -> Option<MessageType> {
    let (_, payload) = segment(packet)?;
    Message::parse(payload).ok().map(|m| m.message_type())
}

fn tcp_payload(packet: &[u8]) -> Option<Vec<u8>> {
    segment(packet)
        .map(|(_, p)| p.to_vec())
        .filter(|p| !p.is_empty())
}

fn gre_payload(packet: &[u8]) -> Option<Vec<u8>> {
    let flow = Flow::classify(packet).ok()?;
    (flow.protocol == ipv4::Protocol::Gre).then(|| flow.transport(packet).to_vec())
}

fn pac_point() -> &'static (Prepared, Stream) {
    static P: OnceLock<(Prepared, Stream)> = OnceLock::new();
    P.get_or_init(|| {
        let mut stream = Stream::default();
        let stop = |side, p: &[u8]| {
            let sccrq = side == Side::Client
                && control_message(p) == Some(MessageType::StartControlConnectionRequest);
            if let (true, Some((seg, payload))) = (sccrq, segment(p)) {
                stream = Stream {
                    port: seg.src_port(),
                    next_seq: seg.seq_number().wrapping_add(payload.len() as u32),
                    ack: seg.ack_number(),
                    window: seg.window_len(),
                };
            }
            sccrq
        };
        let prepared = prepare(Carriage::Pptp, stop, tcp_payload, 2);
        (prepared, stream)
    })
}

fn gre_point() -> &'static Prepared {
    static P: OnceLock<Prepared> = OnceLock::new();
    P.get_or_init(|| {
        let stop = |side, p: &[u8]| {
            side == Side::Server && control_message(p) == Some(MessageType::OutgoingCallReply)
        };
        prepare(Carriage::Pptp, stop, gre_payload, 4)
    })
}

/// The RRAS PAC after SCCRQ: each of the input's packets is bytes of the
/// control connection (OCRQ is awaited), in order on the client's stream.
pub fn pac_after_sccrq(data: &[u8]) {
    pac_fed(data);
}

fn pac_fed(data: &[u8]) -> WindowsMachine {
    let (point, stream) = pac_point();
    // Where each packet's bytes start in the client's stream.
    let mut seq = stream.next_seq;
    let starts: Vec<u32> = split(data)
        .into_iter()
        .map(|bytes| {
            let start = seq;
            seq = seq.wrapping_add(bytes.len() as u32);
            start
        })
        .collect();
    feed(point, data, |bytes, ident| {
        // `feed` numbers the packets' IP identifications from FIRST_IDENT.
        let i = usize::from(ident.wrapping_sub(FIRST_IDENT));
        let seq = starts.get(i).copied().unwrap_or(seq);
        tcp_ipv4(stream, seq, bytes, ident)
    })
}

/// A PSH/ACK segment of the client's stream, in IPv4.
fn tcp_ipv4(stream: &Stream, seq: u32, payload: &[u8], ident: u16) -> Vec<u8> {
    let repr = tcp::Repr {
        src_port: stream.port,
        dst_port: TCP_PORT,
        seq_number: seq,
        ack_number: stream.ack,
        flags: tcp::flags::PSH | tcp::flags::ACK,
        window_len: stream.window,
    };
    let mut seg = vec![0; repr.buffer_len(payload.len())];
    let mut view = tcp::Packet::new_unchecked(&mut seg[..]);
    if repr.emit(&mut view, CLIENT, SERVER, payload).is_err() {
        return Vec::new();
    }
    let ip = ipv4::Repr {
        src_addr: CLIENT,
        dst_addr: SERVER,
        protocol: ipv4::Protocol::Tcp,
        payload_len: seg.len(),
        ttl: 128,
        ident,
        dont_frag: true,
    };
    ipv4::build(&ip, &seg).unwrap_or_default()
}

/// The RRAS server once the PPTP call is up (after Outgoing-Call-Reply):
/// each of the input's packets is a GRE packet from the client.
pub fn gre_after_call_up(data: &[u8]) {
    gre_fed(data);
}

fn gre_fed(data: &[u8]) -> WindowsMachine {
    feed(gre_point(), data, |gre, ident| {
        let ip = ipv4::Repr {
            src_addr: CLIENT,
            dst_addr: SERVER,
            protocol: ipv4::Protocol::Gre,
            payload_len: gre.len(),
            ttl: 128,
            ident,
            dont_frag: false,
        };
        ipv4::build(&ip, gre).unwrap_or_default()
    })
}

/// What the real client sends next at each point.
pub(super) fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("pac_after_sccrq", join(&pac_point().0.next_from_client)),
        ("gre_after_call_up", join(&gre_point().next_from_client)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_carry_the_pptp_call_on_past_each_point() {
        let (pac, _) = pac_point();
        assert_eq!(pac.server.server_calls().0, 0);
        let server = pac_fed(&join(&pac.next_from_client));
        assert_eq!(
            server.server_calls().0,
            1,
            "PAC: no call after OCRQ and SLI"
        );
        let gre = gre_point();
        let before = gre.server.events().len();
        let server = gre_fed(&join(&gre.next_from_client));
        assert!(
            server.events().len() > before,
            "GRE: nothing logged after LCP and the MS-CHAPv2 Response"
        );
    }
}
