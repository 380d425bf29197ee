//! L2TP version 2 messages over UDP (RFC 2661 3): the header view, control
//! messages as a typed AVP list, data messages carrying a PPP frame, and a
//! one-line summary for reports.
//!
//! ```text
//! |T|L|x|x|S|x|O|P|x|x|x|x|  Ver  |          Length (opt)         |
//! |           Tunnel ID           |           Session ID          |
//! |             Ns (opt)          |             Nr (opt)          |
//! |      Offset Size (opt)        |    Offset pad... (opt)
//! ```

use core::ops::Range;

use super::codec::Reader;
pub use super::l2tp_avp::{attr, Avp, AvpValue, MessageType, ResultCode};
use super::view::packet_view;
use super::WireError;

/// Type bit: 1 = control message (RFC 2661 3.1).
pub const FLAG_T: u16 = 0x8000;
/// Length field present (RFC 2661 3.1).
pub const FLAG_L: u16 = 0x4000;
/// Ns and Nr present (RFC 2661 3.1).
pub const FLAG_S: u16 = 0x0800;
/// Offset Size present (RFC 2661 3.1).
pub const FLAG_O: u16 = 0x0200;
/// Priority (data messages only, RFC 2661 3.1).
pub const FLAG_P: u16 = 0x0100;
/// Version nibble.
pub const VERSION_MASK: u16 = 0x000f;
/// L2TP version 2 (RFC 2661 3.1); 1 would be L2F, 3 is L2TPv3.
pub const VERSION: u16 = 2;
/// Header of every control message: flags, length, ids, Ns, Nr.
pub const CONTROL_HEADER_LEN: usize = 12;
/// UDP port (RFC 2661 8.1).
pub const UDP_PORT: u16 = 1701;

/// Where each optional field sits for a given flags word.
#[derive(Debug, Clone, Copy)]
struct Layout {
    length: Option<usize>,
    ids: usize,
    seq: Option<usize>,
    offset: Option<usize>,
    /// Header length without the offset padding.
    fixed_len: usize,
}

impl Layout {
    fn of(flags: u16) -> Layout {
        let mut at = 2;
        let length = (flags & FLAG_L != 0).then(|| {
            at += 2;
            at - 2
        });
        let ids = at;
        at += 4;
        let seq = (flags & FLAG_S != 0).then(|| {
            at += 4;
            at - 4
        });
        let offset = (flags & FLAG_O != 0).then(|| {
            at += 2;
            at - 2
        });
        Layout {
            length,
            ids,
            seq,
            offset,
            fixed_len: at,
        }
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(s) => u16::from_be_bytes([s[0], s[1]]),
        None => 0,
    }
}

packet_view! {
    /// A view over an L2TP message. After `new_checked`, no accessor panics and
    /// the payload range lies within the buffer.
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks the version, that every present field fits, that Length (when
    /// present) equals the buffer length, and that the offset pad fits.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let b = buffer.as_ref();
        let have = b.len();
        let truncated = |need| WireError::Truncated {
            what: "L2TP header",
            need,
            have,
        };
        if have < 2 {
            return Err(truncated(2));
        }
        let flags = be16(b, 0);
        let version = flags & VERSION_MASK;
        if version != VERSION {
            return Err(WireError::BadVersion {
                what: "L2TP",
                version: version as u8,
            });
        }
        let layout = Layout::of(flags);
        if have < layout.fixed_len {
            return Err(truncated(layout.fixed_len));
        }
        let header_len = layout.fixed_len + layout.offset.map_or(0, |at| usize::from(be16(b, at)));
        if let Some(at) = layout.length {
            let len = usize::from(be16(b, at));
            if len > have {
                return Err(truncated(len));
            }
            if len < header_len {
                return Err(WireError::BadLength {
                    what: "L2TP length",
                    len,
                });
            }
            if len < have {
                return Err(WireError::Trailing {
                    what: "L2TP message",
                    bytes: have - len,
                });
            }
        } else if have < header_len {
            return Err(truncated(header_len));
        }
        Ok(Packet { buffer })
    }

    fn layout(&self) -> Layout {
        Layout::of(self.flags())
    }

    /// The whole flags/version word.
    pub fn flags(&self) -> u16 {
        be16(self.buffer.as_ref(), 0)
    }

    pub fn is_control(&self) -> bool {
        self.flags() & FLAG_T != 0
    }

    pub fn priority(&self) -> bool {
        self.flags() & FLAG_P != 0
    }

    pub fn length(&self) -> Option<u16> {
        let b = self.buffer.as_ref();
        self.layout().length.map(|at| be16(b, at))
    }

    pub fn tunnel_id(&self) -> u16 {
        be16(self.buffer.as_ref(), self.layout().ids)
    }

    pub fn session_id(&self) -> u16 {
        be16(self.buffer.as_ref(), self.layout().ids + 2)
    }

    pub fn ns(&self) -> Option<u16> {
        let b = self.buffer.as_ref();
        self.layout().seq.map(|at| be16(b, at))
    }

    pub fn nr(&self) -> Option<u16> {
        let b = self.buffer.as_ref();
        self.layout().seq.map(|at| be16(b, at + 2))
    }

    pub fn offset_size(&self) -> Option<u16> {
        let b = self.buffer.as_ref();
        self.layout().offset.map(|at| be16(b, at))
    }

    /// Header length including the offset pad.
    pub fn header_len(&self) -> usize {
        self.layout().fixed_len + usize::from(self.offset_size().unwrap_or(0))
    }

    /// Byte range of the payload (AVPs or PPP frame) within the buffer.
    pub fn payload_range(&self) -> Range<usize> {
        let len = self.buffer.as_ref().len();
        self.header_len().min(len)..len
    }

    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        b.get(self.payload_range()).unwrap_or(&[])
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// A control message (RFC 2661 3.1, 4.1): T, L and S set, O clear. A message
/// without AVPs is a ZLB acknowledgement (RFC 2661 5.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlRepr {
    pub tunnel_id: u16,
    pub session_id: u16,
    pub ns: u16,
    pub nr: u16,
    /// `None` for a ZLB.
    pub message_type: Option<MessageType>,
    /// The AVPs after the Message Type AVP, in order.
    pub avps: Vec<Avp>,
}

impl ControlRepr {
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<ControlRepr, WireError> {
        let what = "L2TP control header";
        let flags = packet.flags();
        // RFC 2661 3.1: control messages have L=1, S=1, O=0.
        if flags & FLAG_T == 0 {
            return Err(WireError::Malformed {
                what,
                detail: "not a control message",
            });
        }
        if flags & FLAG_L == 0 || flags & FLAG_S == 0 || flags & FLAG_O != 0 {
            return Err(WireError::Malformed {
                what,
                detail: "control message needs L=1, S=1, O=0",
            });
        }
        let mut r = Reader::new(packet.payload());
        let mut message_type = None;
        let mut avps = Vec::new();
        if !r.is_empty() {
            // RFC 2661 4.1: the first AVP MUST be Message Type.
            let first = Avp::parse(&mut r)?;
            match first.value {
                AvpValue::MessageType(m) => message_type = Some(m),
                _ => {
                    return Err(WireError::Malformed {
                        what: "L2TP control message",
                        detail: "first AVP is not Message Type",
                    })
                }
            }
            while !r.is_empty() {
                avps.push(Avp::parse(&mut r)?);
            }
        }
        Ok(ControlRepr {
            tunnel_id: packet.tunnel_id(),
            session_id: packet.session_id(),
            ns: packet.ns().unwrap_or(0),
            nr: packet.nr().unwrap_or(0),
            message_type,
            avps,
        })
    }

    /// Parses bytes straight from a UDP payload.
    pub fn parse_bytes(data: &[u8]) -> Result<ControlRepr, WireError> {
        ControlRepr::parse(&Packet::new_checked(data)?)
    }

    pub fn is_zlb(&self) -> bool {
        self.message_type.is_none()
    }

    fn message_avp(&self) -> Option<Avp> {
        self.message_type
            .map(|m| Avp::mandatory(AvpValue::MessageType(m)))
    }

    pub fn buffer_len(&self) -> usize {
        CONTROL_HEADER_LEN
            + self.message_avp().map_or(0, |a| a.buffer_len())
            + self.avps.iter().map(Avp::buffer_len).sum::<usize>()
    }

    /// Appends the message; fails if an AVP or the whole message is too long.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        let len = self.buffer_len();
        let len16 = u16::try_from(len).map_err(|_| WireError::BadLength {
            what: "L2TP control message",
            len,
        })?;
        put16(out, FLAG_T | FLAG_L | FLAG_S | VERSION);
        put16(out, len16);
        put16(out, self.tunnel_id);
        put16(out, self.session_id);
        put16(out, self.ns);
        put16(out, self.nr);
        if let Some(m) = self.message_avp() {
            m.emit(out)?;
        }
        for a in &self.avps {
            a.emit(out)?;
        }
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = Vec::with_capacity(self.buffer_len());
        self.emit(&mut out)?;
        Ok(out)
    }

    /// The first AVP matching `f`.
    pub fn find<'a, R>(&'a self, f: impl Fn(&'a AvpValue) -> Option<R>) -> Option<R> {
        self.avps.iter().find_map(|a| f(&a.value))
    }
}

/// A data message (RFC 2661 3.1) carrying one PPP frame. Windows sends L=1
/// and neither S nor O; all variants are parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRepr<'a> {
    pub tunnel_id: u16,
    pub session_id: u16,
    /// Emit the Length field.
    pub with_length: bool,
    /// (Ns, Nr) when the S bit is set.
    pub sequence: Option<(u16, u16)>,
    /// Offset Size when the O bit is set; the pad is zeros on emit.
    pub offset: Option<u16>,
    pub priority: bool,
    /// The PPP frame (starts FF 03 as Windows sends it).
    pub payload: &'a [u8],
}

impl<'a> DataRepr<'a> {
    /// The usual data message: L=1, no sequence numbers, no offset.
    pub fn new(tunnel_id: u16, session_id: u16, payload: &'a [u8]) -> Self {
        DataRepr {
            tunnel_id,
            session_id,
            with_length: true,
            sequence: None,
            offset: None,
            priority: false,
            payload,
        }
    }

    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, WireError> {
        if packet.is_control() {
            return Err(WireError::Malformed {
                what: "L2TP data message",
                detail: "T bit set",
            });
        }
        let flags = packet.flags();
        let payload = packet.buffer.get(packet.payload_range()).unwrap_or(&[]);
        Ok(DataRepr {
            tunnel_id: packet.tunnel_id(),
            session_id: packet.session_id(),
            with_length: flags & FLAG_L != 0,
            sequence: packet.ns().zip(packet.nr()),
            offset: packet.offset_size(),
            priority: packet.priority(),
            payload,
        })
    }

    /// Parses bytes straight from a UDP payload.
    pub fn parse_bytes(data: &'a [u8]) -> Result<Self, WireError> {
        DataRepr::parse(&Packet::new_checked(data)?)
    }

    fn flags(&self) -> u16 {
        let mut f = VERSION;
        if self.with_length {
            f |= FLAG_L;
        }
        if self.sequence.is_some() {
            f |= FLAG_S;
        }
        if self.offset.is_some() {
            f |= FLAG_O;
        }
        if self.priority {
            f |= FLAG_P;
        }
        f
    }

    pub fn header_len(&self) -> usize {
        Layout::of(self.flags()).fixed_len + usize::from(self.offset.unwrap_or(0))
    }

    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.payload.len()
    }

    /// Appends the message; fails only if Length would overflow.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        let len = self.buffer_len();
        let len16 = u16::try_from(len).map_err(|_| WireError::BadLength {
            what: "L2TP data message",
            len,
        })?;
        put16(out, self.flags());
        if self.with_length {
            put16(out, len16);
        }
        put16(out, self.tunnel_id);
        put16(out, self.session_id);
        if let Some((ns, nr)) = self.sequence {
            put16(out, ns);
            put16(out, nr);
        }
        if let Some(size) = self.offset {
            put16(out, size);
            out.resize(out.len() + usize::from(size), 0);
        }
        out.extend_from_slice(self.payload);
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = Vec::with_capacity(self.buffer_len());
        self.emit(&mut out)?;
        Ok(out)
    }
}

/// What a report shows for one L2TP datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Summary {
    Control {
        /// "SCCRQ", "ZLB", ... ("unknown" for an unknown type).
        name: &'static str,
        message_type: Option<MessageType>,
        tunnel_id: u16,
        session_id: u16,
        ns: u16,
        nr: u16,
    },
    Data {
        tunnel_id: u16,
        session_id: u16,
        ns: Option<u16>,
        nr: Option<u16>,
        /// Where the PPP frame lies in the UDP payload.
        ppp: Range<usize>,
    },
}

/// Summarises a UDP payload on port 1701 without parsing every AVP: only the
/// header and, for control messages, the leading Message Type AVP.
pub fn summarize(udp_payload: &[u8]) -> Result<Summary, WireError> {
    let packet = Packet::new_checked(udp_payload)?;
    if !packet.is_control() {
        return Ok(Summary::Data {
            tunnel_id: packet.tunnel_id(),
            session_id: packet.session_id(),
            ns: packet.ns(),
            nr: packet.nr(),
            ppp: packet.payload_range(),
        });
    }
    let payload = packet.payload();
    let message_type = if payload.is_empty() {
        None
    } else {
        match Avp::parse(&mut Reader::new(payload))?.value {
            AvpValue::MessageType(m) => Some(m),
            _ => {
                return Err(WireError::Malformed {
                    what: "L2TP control message",
                    detail: "first AVP is not Message Type",
                })
            }
        }
    };
    Ok(Summary::Control {
        name: message_type.map_or("ZLB", MessageType::name),
        message_type,
        tunnel_id: packet.tunnel_id(),
        session_id: packet.session_id(),
        ns: packet.ns().unwrap_or(0),
        nr: packet.nr().unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// SCCRQ as Windows XP sends it: host XPCLIENT, vendor Microsoft,
    /// Assigned Tunnel ID 0x1a2b, Receive Window Size 8.
    const WINDOWS_SCCRQ: &str = concat!(
        "c8020065000000000000",
        "0000",
        "80080000000000 01",
        "8008000000020100",
        "800a0000000300000003",
        "800a0000000400000000",
        "0008000000060500",
        "800e000000075850434c49454e54",
        "000f000000084d6963726f736f6674",
        "8008000000091a2b",
        "8008000000 0a0008",
    );

    fn windows_sccrq_bytes() -> Vec<u8> {
        hex::decode(WINDOWS_SCCRQ.replace(' ', "")).unwrap()
    }

    fn windows_sccrq_repr() -> ControlRepr {
        ControlRepr {
            tunnel_id: 0,
            session_id: 0,
            ns: 0,
            nr: 0,
            message_type: Some(MessageType::Sccrq),
            avps: vec![
                Avp::mandatory(AvpValue::ProtocolVersion {
                    version: 1,
                    revision: 0,
                }),
                Avp::mandatory(AvpValue::FramingCapabilities(3)),
                Avp::mandatory(AvpValue::BearerCapabilities(0)),
                Avp::optional(AvpValue::FirmwareRevision(0x0500)),
                Avp::mandatory(AvpValue::HostName(b"XPCLIENT".to_vec())),
                Avp::optional(AvpValue::VendorName(b"Microsoft".to_vec())),
                Avp::mandatory(AvpValue::AssignedTunnelId(0x1a2b)),
                Avp::mandatory(AvpValue::ReceiveWindowSize(8)),
            ],
        }
    }

    /// A Windows data message: L=1, no S/O, LCP Echo-Request inside.
    const WINDOWS_DATA: &str = "40020014abcd1234ff03c021090100080a0b0c0d";

    #[test]
    fn windows_sccrq_parses_and_emits_the_same_bytes() {
        let bytes = windows_sccrq_bytes();
        assert_eq!(bytes.len(), 0x65);
        let repr = ControlRepr::parse_bytes(&bytes).unwrap();
        assert_eq!(repr, windows_sccrq_repr());
        assert_eq!(repr.buffer_len(), bytes.len());
        assert_eq!(repr.to_bytes().unwrap(), bytes);
        assert_eq!(
            repr.find(|v| match v {
                AvpValue::AssignedTunnelId(t) => Some(*t),
                _ => None,
            }),
            Some(0x1a2b)
        );
    }

    #[test]
    fn every_prefix_of_a_control_message_fails() {
        let bytes = windows_sccrq_bytes();
        for n in 0..bytes.len() {
            assert!(ControlRepr::parse_bytes(&bytes[..n]).is_err(), "prefix {n}");
            assert!(summarize(&bytes[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn every_prefix_of_a_data_message_with_length_fails() {
        let bytes = hex::decode(WINDOWS_DATA).unwrap();
        for n in 0..bytes.len() {
            assert!(DataRepr::parse_bytes(&bytes[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn zlb_round_trips_and_is_summarised() {
        let zlb = ControlRepr {
            tunnel_id: 0x1a2b,
            session_id: 0,
            ns: 3,
            nr: 5,
            message_type: None,
            avps: vec![],
        };
        let bytes = zlb.to_bytes().unwrap();
        assert_eq!(hex::encode(&bytes), "c802000c1a2b000000030005");
        assert_eq!(ControlRepr::parse_bytes(&bytes).unwrap(), zlb);
        assert_eq!(
            summarize(&bytes).unwrap(),
            Summary::Control {
                name: "ZLB",
                message_type: None,
                tunnel_id: 0x1a2b,
                session_id: 0,
                ns: 3,
                nr: 5,
            }
        );
    }

    #[test]
    fn windows_data_message_round_trips_and_is_summarised() {
        let bytes = hex::decode(WINDOWS_DATA).unwrap();
        let d = DataRepr::parse_bytes(&bytes).unwrap();
        assert_eq!(d, DataRepr::new(0xabcd, 0x1234, &bytes[8..]));
        assert_eq!(d.to_bytes().unwrap(), bytes);
        assert_eq!(
            summarize(&bytes).unwrap(),
            Summary::Data {
                tunnel_id: 0xabcd,
                session_id: 0x1234,
                ns: None,
                nr: None,
                ppp: 8..20,
            }
        );
        let s = summarize(&windows_sccrq_bytes()).unwrap();
        assert!(matches!(s, Summary::Control { name: "SCCRQ", .. }));
    }

    #[test]
    fn data_message_with_sequence_offset_and_no_length_parses() {
        // T=0 L=0 S=1 O=1 P=1: ids, Ns=1, Nr=2, offset 3 + pad, payload ff03.
        let bytes = hex::decode("0b02000100020001000200030000 00ff03".replace(' ', "")).unwrap();
        let d = DataRepr::parse_bytes(&bytes).unwrap();
        assert_eq!(d.tunnel_id, 1);
        assert_eq!(d.session_id, 2);
        assert_eq!(d.sequence, Some((1, 2)));
        assert_eq!(d.offset, Some(3));
        assert!(d.priority);
        assert!(!d.with_length);
        assert_eq!(d.payload, &[0xff, 0x03]);
        assert_eq!(d.to_bytes().unwrap(), bytes);
    }

    #[test]
    fn malformed_headers_are_rejected() {
        // Version 3.
        assert!(matches!(
            Packet::new_checked(
                &hex::decode("c803000c000000000000 0000".replace(' ', "")).unwrap()[..]
            ),
            Err(WireError::BadVersion { version: 3, .. })
        ));
        // Control message without S.
        assert!(ControlRepr::parse_bytes(
            &hex::decode("c0020008 00000000".replace(' ', "")).unwrap()
        )
        .is_err());
        // Trailing byte after Length.
        let mut b = windows_sccrq_bytes();
        b.push(0);
        assert!(matches!(
            ControlRepr::parse_bytes(&b),
            Err(WireError::Trailing { bytes: 1, .. })
        ));
        // First AVP is not Message Type.
        let b = hex::decode("c8020014000000000000000080080000000 20100".replace(' ', "")).unwrap();
        assert!(ControlRepr::parse_bytes(&b).is_err());
        // Offset pad beyond the buffer.
        assert!(DataRepr::parse_bytes(
            &hex::decode("020200010002 0009ff".replace(' ', "")).unwrap()
        )
        .is_err());
    }

    fn bytes_strategy(max: usize) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..max)
    }

    fn avp_value() -> impl Strategy<Value = AvpValue> {
        prop_oneof![
            (any::<u16>(), any::<Option<u16>>(), bytes_strategy(20)).prop_map(
                |(result, error, message)| {
                    let message = if error.is_some() { message } else { Vec::new() };
                    AvpValue::ResultCode(ResultCode {
                        result,
                        error,
                        message,
                    })
                }
            ),
            (any::<u8>(), any::<u8>())
                .prop_map(|(version, revision)| AvpValue::ProtocolVersion { version, revision }),
            any::<u32>().prop_map(AvpValue::FramingCapabilities),
            any::<[u8; 8]>().prop_map(AvpValue::TieBreaker),
            any::<u16>().prop_map(AvpValue::FirmwareRevision),
            bytes_strategy(40).prop_map(AvpValue::HostName),
            bytes_strategy(40).prop_map(AvpValue::VendorName),
            any::<u16>().prop_map(AvpValue::AssignedTunnelId),
            any::<u16>().prop_map(AvpValue::ReceiveWindowSize),
            any::<u16>().prop_map(AvpValue::AssignedSessionId),
            any::<u32>().prop_map(AvpValue::CallSerialNumber),
            any::<u32>().prop_map(AvpValue::BearerType),
            any::<u32>().prop_map(AvpValue::TxConnectSpeed),
            any::<u32>().prop_map(AvpValue::RxConnectSpeed),
            Just(AvpValue::SequencingRequired),
            (1u16.., 0u16..100, any::<bool>(), bytes_strategy(30)).prop_map(
                |(vendor_id, attribute_type, hidden, value)| AvpValue::Unknown {
                    vendor_id,
                    attribute_type,
                    hidden,
                    value,
                }
            ),
            (200u16.., bytes_strategy(30)).prop_map(|(attribute_type, value)| AvpValue::Unknown {
                vendor_id: 0,
                attribute_type,
                hidden: false,
                value,
            }),
        ]
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in bytes_strategy(200)) {
            let _ = ControlRepr::parse_bytes(&data);
            let _ = DataRepr::parse_bytes(&data);
            let _ = summarize(&data);
            if let Ok(p) = Packet::new_checked(&data[..]) {
                let _ = (p.length(), p.tunnel_id(), p.session_id(), p.ns(), p.nr(), p.payload());
            }
        }

        #[test]
        fn mutated_sccrq_never_panics(pos in 0usize..0x65, byte in any::<u8>()) {
            let mut b = windows_sccrq_bytes();
            b[pos] = byte;
            let _ = ControlRepr::parse_bytes(&b);
            let _ = summarize(&b);
        }

        #[test]
        fn control_repr_round_trips(
            tunnel_id in any::<u16>(), session_id in any::<u16>(), ns in any::<u16>(), nr in any::<u16>(),
            mt in proptest::option::of(any::<u16>()),
            avps in proptest::collection::vec((any::<bool>(), avp_value()), 0..8),
        ) {
            let avps: Vec<Avp> = if mt.is_some() {
                avps.into_iter().map(|(mandatory, value)| Avp { mandatory, value }).collect()
            } else {
                Vec::new()
            };
            let repr = ControlRepr {
                tunnel_id, session_id, ns, nr,
                message_type: mt.map(MessageType::from),
                avps,
            };
            let bytes = repr.to_bytes().unwrap();
            prop_assert_eq!(bytes.len(), repr.buffer_len());
            prop_assert_eq!(ControlRepr::parse_bytes(&bytes).unwrap(), repr);
        }

        #[test]
        fn data_repr_round_trips(
            tunnel_id in any::<u16>(), session_id in any::<u16>(), with_length in any::<bool>(),
            sequence in any::<Option<(u16, u16)>>(), offset in proptest::option::of(0u16..16),
            priority in any::<bool>(), payload in bytes_strategy(64),
        ) {
            let repr = DataRepr { tunnel_id, session_id, with_length, sequence, offset, priority, payload: &payload };
            let bytes = repr.to_bytes().unwrap();
            prop_assert_eq!(bytes.len(), repr.buffer_len());
            prop_assert_eq!(DataRepr::parse_bytes(&bytes).unwrap(), repr);
        }
    }
}
