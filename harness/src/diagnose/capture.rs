//! Reading a capture written by anything (Wireshark, tshark, tcpdump, this
//! project): pcap (both byte orders, micro- or nanosecond) or pcapng (any
//! number of sections and interfaces), down to the IPv4 packets it holds.
//!
//! Link types read: raw IP (LINKTYPE_RAW 101, and 12/14 as some systems
//! number it; LINKTYPE_IPV4 228), Ethernet (1, with 802.1Q tags), Linux
//! cooked capture v1 and v2 (113, 276, what `tcpdump -i any` writes), BSD
//! loopback (0, 108). Frames of other link types and non-IPv4 frames are
//! counted, not read (https://www.tcpdump.org/linktypes.html).

use std::io::Cursor;

use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::DataLink;

/// pcapng's Section Header Block type (pcapng spec 4.1).
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
/// EtherType of IPv4 and of an 802.1Q tag (IEEE 802.1Q 9.5).
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;

/// The IPv4 packets of a capture, in file order, and what was not read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Packets {
    pub ipv4: Vec<Vec<u8>>,
    /// Frames that carry something else (ARP, IPv6, ...) or whose link type
    /// this reader does not know.
    pub skipped: usize,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    #[error("not a pcap or pcapng file (it starts with {0:02x?})")]
    NotACapture(Vec<u8>),
    #[error("unreadable capture: {0}")]
    Malformed(String),
    #[error("pcapng packet for interface {0}, which no Interface Description Block declared")]
    NoSuchInterface(u32),
}

/// Reads a whole pcap or pcapng file.
pub fn read(bytes: &[u8]) -> Result<Packets, CaptureError> {
    match bytes.get(..4) {
        Some(m) if m == PCAPNG_MAGIC => read_pcapng(bytes),
        // pcap magic, both byte orders, micro- and nanosecond variants.
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4])
        | Some([0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d]) => read_pcap(bytes),
        _ => Err(CaptureError::NotACapture(
            bytes.iter().take(4).copied().collect(),
        )),
    }
}

fn malformed(e: pcap_file::PcapError) -> CaptureError {
    CaptureError::Malformed(e.to_string())
}

fn read_pcap(bytes: &[u8]) -> Result<Packets, CaptureError> {
    let mut r = PcapReader::new(Cursor::new(bytes)).map_err(malformed)?;
    let link = r.header().datalink;
    let mut out = Packets::default();
    while let Some(p) = r.next_packet() {
        let p = p.map_err(malformed)?;
        out.push(ipv4_of(link, &p.data));
    }
    Ok(out)
}

fn read_pcapng(bytes: &[u8]) -> Result<Packets, CaptureError> {
    let mut r = PcapNgReader::new(Cursor::new(bytes)).map_err(malformed)?;
    let mut links: Vec<DataLink> = Vec::new();
    let mut out = Packets::default();
    while let Some(block) = r.next_block() {
        match block.map_err(malformed)? {
            // Interface numbers start again in each section.
            Block::SectionHeader(_) => links.clear(),
            Block::InterfaceDescription(idb) => links.push(idb.linktype),
            Block::EnhancedPacket(epb) => {
                let link = link_of(&links, epb.interface_id)?;
                out.push(ipv4_of(link, &epb.data));
            }
            Block::Packet(pb) => {
                let link = link_of(&links, u32::from(pb.interface_id))?;
                out.push(ipv4_of(link, &pb.data));
            }
            // A Simple Packet Block belongs to the first interface.
            Block::SimplePacket(spb) => {
                let link = link_of(&links, 0)?;
                out.push(ipv4_of(link, &spb.data));
            }
            _ => {}
        }
    }
    Ok(out)
}

fn link_of(links: &[DataLink], id: u32) -> Result<DataLink, CaptureError> {
    usize::try_from(id)
        .ok()
        .and_then(|i| links.get(i))
        .copied()
        .ok_or(CaptureError::NoSuchInterface(id))
}

impl Packets {
    fn push(&mut self, packet: Option<&[u8]>) {
        match packet {
            Some(p) => self.ipv4.push(p.to_vec()),
            None => self.skipped += 1,
        }
    }
}

/// The IPv4 packet inside one frame of link type `link`, if it is one.
fn ipv4_of(link: DataLink, frame: &[u8]) -> Option<&[u8]> {
    let ip = match link {
        DataLink::RAW | DataLink::IPV4 => frame,
        DataLink::Unknown(12 | 14) => frame,
        DataLink::ETHERNET => ethernet(frame)?,
        // Linux cooked v1: 16 octets, the protocol type last.
        DataLink::LINUX_SLL => {
            let proto = u16::from_be_bytes([*frame.get(14)?, *frame.get(15)?]);
            (proto == ETHERTYPE_IPV4).then_some(frame.get(16..)?)?
        }
        // Linux cooked v2: 20 octets, the protocol type first.
        DataLink::LINUX_SLL2 => {
            let proto = u16::from_be_bytes([*frame.first()?, *frame.get(1)?]);
            (proto == ETHERTYPE_IPV4).then_some(frame.get(20..)?)?
        }
        // BSD loopback: a 4-octet address family, 2 for IPv4, in the
        // writer's byte order (NULL) or network order (LOOP).
        DataLink::NULL | DataLink::LOOP => {
            let family = frame.get(..4)?;
            let v4 = family == [2, 0, 0, 0] || family == [0, 0, 0, 2];
            v4.then_some(frame.get(4..)?)?
        }
        _ => return None,
    };
    (ip.first()? >> 4 == 4).then_some(ip)
}

/// An Ethernet II frame's IPv4 payload, through any 802.1Q/802.1ad tags.
fn ethernet(frame: &[u8]) -> Option<&[u8]> {
    let mut at = 12;
    loop {
        let ty = u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]);
        match ty {
            ETHERTYPE_VLAN | ETHERTYPE_QINQ => at += 4,
            ETHERTYPE_IPV4 => return frame.get(at + 2..),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal IPv4 header (version 4, IHL 5), protocol UDP.
    const IP: [u8; 20] = [
        0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 192, 168, 1, 10, 203, 0, 113, 10,
    ];

    fn pcap(link: u32, frames: &[&[u8]]) -> Vec<u8> {
        // Little-endian classic pcap (pcap spec: magic, 2.4, zone, sigfigs,
        // snaplen, link type), then one record per frame.
        let mut b = Vec::new();
        b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&4u16.to_le_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&65_535u32.to_le_bytes());
        b.extend_from_slice(&link.to_le_bytes());
        for (i, f) in frames.iter().enumerate() {
            b.extend_from_slice(&(i as u32).to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
            b.extend_from_slice(&(f.len() as u32).to_le_bytes());
            b.extend_from_slice(&(f.len() as u32).to_le_bytes());
            b.extend_from_slice(f);
        }
        b
    }

    #[test]
    fn pcap_ethernet_with_a_vlan_tag_and_an_arp_frame() {
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&[0x81, 0x00, 0x00, 0x05, 0x08, 0x00]);
        eth.extend_from_slice(&IP);
        let mut arp = vec![0u8; 12];
        arp.extend_from_slice(&[0x08, 0x06, 0, 1]);
        let got = read(&pcap(1, &[&eth, &arp])).unwrap();
        assert_eq!(got.ipv4, vec![IP.to_vec()]);
        assert_eq!(got.skipped, 1);
    }

    #[test]
    fn pcap_linux_cooked_v1_and_raw() {
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(&IP);
        assert_eq!(read(&pcap(113, &[&sll])).unwrap().ipv4, vec![IP.to_vec()]);
        assert_eq!(read(&pcap(101, &[&IP])).unwrap().ipv4, vec![IP.to_vec()]);
    }

    #[test]
    fn not_a_capture_and_every_cut_of_a_pcap_is_an_error_or_fewer_packets() {
        assert!(matches!(read(b"hello"), Err(CaptureError::NotACapture(_))));
        let whole = pcap(101, &[&IP, &IP]);
        for n in 0..whole.len() {
            // A cut file never panics; what it yields is a prefix.
            if let Ok(p) = read(&whole[..n]) {
                assert!(p.ipv4.len() <= 2);
            }
        }
    }
}
