//! UDP-encapsulated ESP (RFC 3948), transport mode: what the driver does
//! to an SA's packets once NAT-T found a NAT.
//!
//! - 2.1: ESP goes behind a UDP header, source and destination ports those
//!   IKE floated to (4500 and the NAT's mapping); the UDP checksum is sent
//!   as zero and not checked.
//! - 3.1.2: after transport-mode decapsulation, the TCP/UDP checksum of the
//!   packet inside was computed over the sender's original addresses,
//!   which a NAT has since rewritten in the IP header. The receiver fixes
//!   it; we recompute it whole over the addresses the packet now carries,
//!   trusting the ESP integrity check that it just passed.

use crate::wire::ipv4;
use crate::wire::udp;

/// The UDP ports of an SA's encapsulated ESP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspUdp {
    pub local_port: u16,
    pub remote_port: u16,
}

/// `esp` behind a UDP header from `e`'s ports, checksum zero (2.1).
pub(super) fn wrap(e: EspUdp, esp: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(udp::HEADER_LEN + esp.len()).ok()?;
    let mut out = Vec::with_capacity(usize::from(len));
    out.extend_from_slice(&e.local_port.to_be_bytes());
    out.extend_from_slice(&e.remote_port.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(esp);
    Some(out)
}

/// After decapsulation: the UDP checksum of the packet inside, computed
/// again over the packet's own addresses (3.1.2). A zero checksum (none
/// computed, RFC 768) stays zero; anything not UDP is left alone.
pub(super) fn fix_inner_checksum(packet: &mut [u8]) {
    let Ok(ip) = ipv4::Packet::new_checked(&packet[..]) else {
        return;
    };
    if ip.protocol() != ipv4::Protocol::Udp {
        return;
    }
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let header_len = ip.header_len();
    let total = usize::from(ip.total_len());
    let Some(seg) = packet.get_mut(header_len..total) else {
        return;
    };
    if seg.len() < udp::HEADER_LEN || seg[6..8] == [0, 0] {
        return;
    }
    udp::Packet::new_unchecked(seg).fill_checksum(src, dst);
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, SocketAddrV4};

    #[test]
    fn esp_goes_behind_a_udp_header_with_a_zero_checksum() {
        let e = EspUdp {
            local_port: 4500,
            remote_port: 1026,
        };
        let out = wrap(e, &[0x11, 0x22, 0x33, 0x44, 0, 0, 0, 1]).unwrap();
        // RFC 3948 2.1: ports, length 16, checksum 0, then the SPI.
        assert_eq!(hex::encode(out), "11940402001000001122334400000001");
    }

    #[test]
    fn the_inner_checksum_is_made_right_for_the_rewritten_addresses() {
        // The client at 192.168.1.10 computed its L2TP checksum; the NAT
        // made the source 198.51.100.2.
        let sent = udp::build_ipv4(
            SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 10), 1701),
            SocketAddrV4::new(Ipv4Addr::new(203, 0, 113, 10), 1701),
            1,
            128,
            &[0xc8, 0x02, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        let mut seen = sent.clone();
        {
            let mut p = ipv4::Packet::new_unchecked(&mut seen[..]);
            p.set_src_addr(Ipv4Addr::new(198, 51, 100, 2));
            p.fill_checksum();
        }
        let parse = |p: &[u8]| {
            let ip = ipv4::Packet::new_checked(p).unwrap();
            let h = ip.header_len();
            udp::parse_segment(ip.src_addr(), ip.dst_addr(), &p[h..]).map(|_| ())
        };
        assert!(
            parse(&seen).is_err(),
            "the NAT broke the checksum (claim A8)"
        );
        fix_inner_checksum(&mut seen);
        assert_eq!(parse(&seen), Ok(()));
    }
}
