//! Packet capture at every interface, and its pcapng form (one Interface
//! Description Block per host interface, LINKTYPE_RAW, `if_name`
//! "host/segment", microsecond timestamps).

use core::time::Duration;
use std::borrow::Cow;

use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::SectionHeaderBlock;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::{DataLink, Endianness};

use super::error::NetError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Received by the interface (after segment faults).
    In,
    /// Sent by the interface (after the host's own faults, before the
    /// segment's).
    Out,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedPacket {
    pub host: String,
    pub segment: String,
    /// Interface index within the host.
    pub iface: usize,
    /// Simulated time since the start.
    pub time: Duration,
    pub direction: Direction,
    /// The whole IPv4 packet.
    pub data: Vec<u8>,
    /// Which transmit this is a copy of, numbered in the network's
    /// canonical order: a packet's Out capture and the In captures of its
    /// copies share it (the ladder draws one arrow from one to the other).
    pub transmit: u64,
}

/// The capture of one host interface as its own pcapng file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceCapture {
    pub host: String,
    pub segment: String,
    pub pcapng: Vec<u8>,
}

/// Largest packet a capture records whole (and the IDB's snaplen).
const SNAPLEN: u32 = 65_535;

/// Writes a little-endian pcapng: SHB, one IDB per `interfaces` entry
/// ((host, iface index, segment), in that order), then one EPB per packet.
pub fn write_pcapng(
    out: &mut Vec<u8>,
    interfaces: &[(String, usize, String)],
    packets: &[CapturedPacket],
    epoch_unix_micros: u64,
) -> Result<(), NetError> {
    let err = |e: pcap_file::PcapError| NetError::Pcap(e.to_string());
    // Fixed endianness, not the native one: files are byte-identical everywhere.
    let shb = SectionHeaderBlock {
        endianness: Endianness::Little,
        ..SectionHeaderBlock::default()
    };
    let mut w = PcapNgWriter::with_section_header(out, shb).map_err(err)?;
    for (host, _, segment) in interfaces {
        let idb = InterfaceDescriptionBlock {
            linktype: DataLink::RAW,
            snaplen: SNAPLEN,
            // No if_tsresol option: the default resolution is 10^-6 s.
            options: vec![InterfaceDescriptionOption::IfName(Cow::Owned(format!(
                "{host}/{segment}"
            )))],
        };
        w.write_pcapng_block(idb).map_err(err)?;
    }
    for p in packets {
        let Some(id) = interfaces
            .iter()
            .position(|(h, i, _)| *h == p.host && *i == p.iface)
        else {
            continue;
        };
        let micros = u64::try_from(p.time.as_micros())
            .unwrap_or(u64::MAX)
            .saturating_add(epoch_unix_micros);
        let len = u32::try_from(p.data.len()).unwrap_or(u32::MAX);
        let epb = EnhancedPacketBlock {
            interface_id: u32::try_from(id).unwrap_or(u32::MAX),
            // pcap-file 2 writes `timestamp.as_nanos()` verbatim as the
            // 64-bit count; with the default microsecond resolution that
            // count must be microseconds.
            timestamp: Duration::from_nanos(micros),
            original_len: len,
            data: Cow::Borrowed(p.data.get(..SNAPLEN as usize).unwrap_or(&p.data)),
            options: vec![],
        };
        w.write_pcapng_block(epb).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    #[test]
    fn file_layout_and_microsecond_timestamps() {
        let ifs = vec![("client".to_string(), 0, "lan".to_string())];
        let pkts = vec![CapturedPacket {
            host: "client".into(),
            segment: "lan".into(),
            iface: 0,
            time: Duration::from_micros(1_500_250),
            direction: Direction::Out,
            data: vec![0x45, 0, 0, 20],
            transmit: 0,
        }];
        let mut out = Vec::new();
        write_pcapng(&mut out, &ifs, &pkts, 1_000_000).unwrap();
        // SHB: type 0x0a0d0d0a, byte-order magic 0x1a2b3c4d, version 1.0.
        assert_eq!(le32(&out, 0), 0x0a0d_0d0a);
        assert_eq!(le32(&out, 8), 0x1a2b_3c4d);
        let shb_len = le32(&out, 4) as usize;
        // IDB: type 1, linktype 101 (LINKTYPE_RAW), if_name option.
        let idb = &out[shb_len..];
        assert_eq!(le32(idb, 0), 1);
        assert_eq!(u16::from_le_bytes([idb[8], idb[9]]), 101);
        assert_eq!(u16::from_le_bytes([idb[16], idb[17]]), 2); // if_name
        assert_eq!(&idb[20..30], b"client/lan");
        let idb_len = le32(idb, 4) as usize;
        // EPB: type 6, timestamp = epoch + sim time in microseconds.
        let epb = &idb[idb_len..];
        assert_eq!(le32(epb, 0), 6);
        let ts = (u64::from(le32(epb, 12)) << 32) | u64::from(le32(epb, 16));
        assert_eq!(ts, 2_500_250);
        assert_eq!(le32(epb, 20), 4); // captured length
    }
}
