//! L2TP Attribute-Value Pairs (RFC 2661 4.1) and the IETF attribute types
//! the control connection and incoming-call procedures use (RFC 2661 4.4).
//!
//! Every AVP with vendor id 0 and a known attribute type is parsed into a
//! typed [`AvpValue`]; anything else (vendor AVPs, unknown types, hidden
//! AVPs whose value is encrypted) is kept raw in [`AvpValue::Unknown`] so the
//! engine can apply RFC 2661 4.1's M-bit rule.

use super::codec::Reader;
use super::WireError;

/// AVP flag: Mandatory (RFC 2661 4.1).
pub const AVP_FLAG_M: u16 = 0x8000;
/// AVP flag: Hidden (RFC 2661 4.1, 4.3).
pub const AVP_FLAG_H: u16 = 0x4000;
/// Reserved bits, MUST be 0 (RFC 2661 4.1).
pub const AVP_RESERVED: u16 = 0x3c00;
/// The 10-bit Length field (RFC 2661 4.1).
pub const AVP_LENGTH_MASK: u16 = 0x03ff;
/// Flags/length + vendor id + attribute type (RFC 2661 4.1).
pub const AVP_HEADER_LEN: usize = 6;
/// Largest value that fits the 10-bit length.
pub const AVP_MAX_VALUE_LEN: usize = AVP_LENGTH_MASK as usize - AVP_HEADER_LEN;
/// IETF vendor id (RFC 2661 4.1).
pub const VENDOR_IETF: u16 = 0;

/// Attribute type numbers (RFC 2661 4.4).
pub mod attr {
    pub const MESSAGE_TYPE: u16 = 0;
    pub const RESULT_CODE: u16 = 1;
    pub const PROTOCOL_VERSION: u16 = 2;
    pub const FRAMING_CAPABILITIES: u16 = 3;
    pub const BEARER_CAPABILITIES: u16 = 4;
    pub const TIE_BREAKER: u16 = 5;
    pub const FIRMWARE_REVISION: u16 = 6;
    pub const HOST_NAME: u16 = 7;
    pub const VENDOR_NAME: u16 = 8;
    pub const ASSIGNED_TUNNEL_ID: u16 = 9;
    pub const RECEIVE_WINDOW_SIZE: u16 = 10;
    pub const ASSIGNED_SESSION_ID: u16 = 14;
    pub const CALL_SERIAL_NUMBER: u16 = 15;
    pub const MINIMUM_BPS: u16 = 16;
    pub const MAXIMUM_BPS: u16 = 17;
    pub const BEARER_TYPE: u16 = 18;
    pub const FRAMING_TYPE: u16 = 19;
    pub const CALLED_NUMBER: u16 = 21;
    pub const CALLING_NUMBER: u16 = 22;
    pub const SUB_ADDRESS: u16 = 23;
    pub const TX_CONNECT_SPEED: u16 = 24;
    pub const PHYSICAL_CHANNEL_ID: u16 = 25;
    pub const RX_CONNECT_SPEED: u16 = 38;
    pub const SEQUENCING_REQUIRED: u16 = 39;
}

/// Control message types (RFC 2661 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageType {
    Sccrq,
    Sccrp,
    Scccn,
    StopCcn,
    Hello,
    Ocrq,
    Ocrp,
    Occn,
    Icrq,
    Icrp,
    Iccn,
    Cdn,
    Wen,
    Sli,
    Unknown(u16),
}

impl From<u16> for MessageType {
    fn from(v: u16) -> Self {
        match v {
            1 => Self::Sccrq,
            2 => Self::Sccrp,
            3 => Self::Scccn,
            4 => Self::StopCcn,
            6 => Self::Hello,
            7 => Self::Ocrq,
            8 => Self::Ocrp,
            9 => Self::Occn,
            10 => Self::Icrq,
            11 => Self::Icrp,
            12 => Self::Iccn,
            14 => Self::Cdn,
            15 => Self::Wen,
            16 => Self::Sli,
            other => Self::Unknown(other),
        }
    }
}

impl From<MessageType> for u16 {
    fn from(m: MessageType) -> u16 {
        match m {
            MessageType::Sccrq => 1,
            MessageType::Sccrp => 2,
            MessageType::Scccn => 3,
            MessageType::StopCcn => 4,
            MessageType::Hello => 6,
            MessageType::Ocrq => 7,
            MessageType::Ocrp => 8,
            MessageType::Occn => 9,
            MessageType::Icrq => 10,
            MessageType::Icrp => 11,
            MessageType::Iccn => 12,
            MessageType::Cdn => 14,
            MessageType::Wen => 15,
            MessageType::Sli => 16,
            MessageType::Unknown(v) => v,
        }
    }
}

impl MessageType {
    /// The RFC's abbreviation, as packet summaries show it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sccrq => "SCCRQ",
            Self::Sccrp => "SCCRP",
            Self::Scccn => "SCCCN",
            Self::StopCcn => "StopCCN",
            Self::Hello => "HELLO",
            Self::Ocrq => "OCRQ",
            Self::Ocrp => "OCRP",
            Self::Occn => "OCCN",
            Self::Icrq => "ICRQ",
            Self::Icrp => "ICRP",
            Self::Iccn => "ICCN",
            Self::Cdn => "CDN",
            Self::Wen => "WEN",
            Self::Sli => "SLI",
            Self::Unknown(_) => "unknown",
        }
    }

    /// Messages that belong to a session rather than to the tunnel
    /// (RFC 2661 4.1: an unknown M-bit AVP in these clears only the session).
    pub fn is_session_message(self) -> bool {
        matches!(
            self,
            Self::Ocrq
                | Self::Ocrp
                | Self::Occn
                | Self::Icrq
                | Self::Icrp
                | Self::Iccn
                | Self::Cdn
                | Self::Wen
                | Self::Sli
        )
    }
}

/// Result Code AVP value (RFC 2661 4.4.2). `message` is only sent when an
/// error code is present; emitting a message without one writes error 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultCode {
    pub result: u16,
    pub error: Option<u16>,
    pub message: Vec<u8>,
}

/// An AVP's value, typed for the IETF attributes this crate uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvpValue {
    MessageType(MessageType),
    ResultCode(ResultCode),
    /// RFC 2661 4.4.3: version 1, revision 0.
    ProtocolVersion {
        version: u8,
        revision: u8,
    },
    FramingCapabilities(u32),
    BearerCapabilities(u32),
    TieBreaker([u8; 8]),
    FirmwareRevision(u16),
    HostName(Vec<u8>),
    VendorName(Vec<u8>),
    AssignedTunnelId(u16),
    ReceiveWindowSize(u16),
    AssignedSessionId(u16),
    CallSerialNumber(u32),
    MinimumBps(u32),
    MaximumBps(u32),
    BearerType(u32),
    FramingType(u32),
    CalledNumber(Vec<u8>),
    CallingNumber(Vec<u8>),
    SubAddress(Vec<u8>),
    TxConnectSpeed(u32),
    PhysicalChannelId(u32),
    RxConnectSpeed(u32),
    SequencingRequired,
    /// A vendor AVP, an attribute this crate does not type, or a hidden AVP
    /// (its value is still encrypted: RFC 2661 4.3).
    Unknown {
        vendor_id: u16,
        attribute_type: u16,
        hidden: bool,
        value: Vec<u8>,
    },
}

/// One AVP: the M bit and the value (the H bit lives in `Unknown`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Avp {
    pub mandatory: bool,
    pub value: AvpValue,
}

impl Avp {
    pub fn mandatory(value: AvpValue) -> Self {
        Avp {
            mandatory: true,
            value,
        }
    }

    pub fn optional(value: AvpValue) -> Self {
        Avp {
            mandatory: false,
            value,
        }
    }

    /// (vendor id, attribute type) of this AVP.
    pub fn key(&self) -> (u16, u16) {
        use AvpValue as V;
        let t = match &self.value {
            V::MessageType(_) => attr::MESSAGE_TYPE,
            V::ResultCode(_) => attr::RESULT_CODE,
            V::ProtocolVersion { .. } => attr::PROTOCOL_VERSION,
            V::FramingCapabilities(_) => attr::FRAMING_CAPABILITIES,
            V::BearerCapabilities(_) => attr::BEARER_CAPABILITIES,
            V::TieBreaker(_) => attr::TIE_BREAKER,
            V::FirmwareRevision(_) => attr::FIRMWARE_REVISION,
            V::HostName(_) => attr::HOST_NAME,
            V::VendorName(_) => attr::VENDOR_NAME,
            V::AssignedTunnelId(_) => attr::ASSIGNED_TUNNEL_ID,
            V::ReceiveWindowSize(_) => attr::RECEIVE_WINDOW_SIZE,
            V::AssignedSessionId(_) => attr::ASSIGNED_SESSION_ID,
            V::CallSerialNumber(_) => attr::CALL_SERIAL_NUMBER,
            V::MinimumBps(_) => attr::MINIMUM_BPS,
            V::MaximumBps(_) => attr::MAXIMUM_BPS,
            V::BearerType(_) => attr::BEARER_TYPE,
            V::FramingType(_) => attr::FRAMING_TYPE,
            V::CalledNumber(_) => attr::CALLED_NUMBER,
            V::CallingNumber(_) => attr::CALLING_NUMBER,
            V::SubAddress(_) => attr::SUB_ADDRESS,
            V::TxConnectSpeed(_) => attr::TX_CONNECT_SPEED,
            V::PhysicalChannelId(_) => attr::PHYSICAL_CHANNEL_ID,
            V::RxConnectSpeed(_) => attr::RX_CONNECT_SPEED,
            V::SequencingRequired => attr::SEQUENCING_REQUIRED,
            V::Unknown {
                vendor_id,
                attribute_type,
                ..
            } => return (*vendor_id, *attribute_type),
        };
        (VENDOR_IETF, t)
    }

    fn hidden(&self) -> bool {
        matches!(self.value, AvpValue::Unknown { hidden: true, .. })
    }

    /// Length of the value only.
    fn value_len(&self) -> usize {
        use AvpValue as V;
        match &self.value {
            V::MessageType(_)
            | V::FirmwareRevision(_)
            | V::AssignedTunnelId(_)
            | V::ReceiveWindowSize(_)
            | V::AssignedSessionId(_)
            | V::ProtocolVersion { .. } => 2,
            V::ResultCode(rc) => {
                if rc.error.is_some() || !rc.message.is_empty() {
                    4 + rc.message.len()
                } else {
                    2
                }
            }
            V::FramingCapabilities(_)
            | V::BearerCapabilities(_)
            | V::CallSerialNumber(_)
            | V::MinimumBps(_)
            | V::MaximumBps(_)
            | V::BearerType(_)
            | V::FramingType(_)
            | V::TxConnectSpeed(_)
            | V::PhysicalChannelId(_)
            | V::RxConnectSpeed(_) => 4,
            V::TieBreaker(_) => 8,
            V::HostName(b)
            | V::VendorName(b)
            | V::CalledNumber(b)
            | V::CallingNumber(b)
            | V::SubAddress(b) => b.len(),
            V::SequencingRequired => 0,
            V::Unknown { value, .. } => value.len(),
        }
    }

    /// Bytes this AVP takes on the wire.
    pub fn buffer_len(&self) -> usize {
        AVP_HEADER_LEN + self.value_len()
    }

    /// Appends the AVP. Fails only when the value does not fit the 10-bit
    /// length (RFC 2661 4.1).
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        use AvpValue as V;
        let len = self.buffer_len();
        if self.value_len() > AVP_MAX_VALUE_LEN {
            return Err(WireError::BadLength {
                what: "L2TP AVP",
                len,
            });
        }
        let mut flags = len as u16;
        if self.mandatory {
            flags |= AVP_FLAG_M;
        }
        if self.hidden() {
            flags |= AVP_FLAG_H;
        }
        let (vendor, attribute) = self.key();
        out.extend_from_slice(&flags.to_be_bytes());
        out.extend_from_slice(&vendor.to_be_bytes());
        out.extend_from_slice(&attribute.to_be_bytes());
        match &self.value {
            V::MessageType(m) => out.extend_from_slice(&u16::from(*m).to_be_bytes()),
            V::ResultCode(rc) => {
                out.extend_from_slice(&rc.result.to_be_bytes());
                if rc.error.is_some() || !rc.message.is_empty() {
                    out.extend_from_slice(&rc.error.unwrap_or(0).to_be_bytes());
                    out.extend_from_slice(&rc.message);
                }
            }
            V::ProtocolVersion { version, revision } => {
                out.extend_from_slice(&[*version, *revision])
            }
            V::FirmwareRevision(v)
            | V::AssignedTunnelId(v)
            | V::ReceiveWindowSize(v)
            | V::AssignedSessionId(v) => out.extend_from_slice(&v.to_be_bytes()),
            V::FramingCapabilities(v)
            | V::BearerCapabilities(v)
            | V::CallSerialNumber(v)
            | V::MinimumBps(v)
            | V::MaximumBps(v)
            | V::BearerType(v)
            | V::FramingType(v)
            | V::TxConnectSpeed(v)
            | V::PhysicalChannelId(v)
            | V::RxConnectSpeed(v) => out.extend_from_slice(&v.to_be_bytes()),
            V::TieBreaker(b) => out.extend_from_slice(b),
            V::HostName(b)
            | V::VendorName(b)
            | V::CalledNumber(b)
            | V::CallingNumber(b)
            | V::SubAddress(b) => out.extend_from_slice(b),
            V::SequencingRequired => {}
            V::Unknown { value, .. } => out.extend_from_slice(value),
        }
        Ok(())
    }

    /// Reads one AVP from `r` (RFC 2661 4.1).
    pub fn parse(r: &mut Reader<'_>) -> Result<Avp, WireError> {
        let flags = r.u16().map_err(WireError::short("L2TP AVP header"))?;
        let len = usize::from(flags & AVP_LENGTH_MASK);
        if flags & AVP_RESERVED != 0 {
            return Err(WireError::Malformed {
                what: "L2TP AVP",
                detail: "reserved bits set",
            });
        }
        if len < AVP_HEADER_LEN {
            return Err(WireError::BadLength {
                what: "L2TP AVP",
                len,
            });
        }
        let mut body = r.sub(len - 2).map_err(WireError::short("L2TP AVP"))?;
        let vendor_id = body.u16().map_err(WireError::short("L2TP AVP"))?;
        let attribute_type = body.u16().map_err(WireError::short("L2TP AVP"))?;
        let mandatory = flags & AVP_FLAG_M != 0;
        let hidden = flags & AVP_FLAG_H != 0;
        let value = if vendor_id != VENDOR_IETF || hidden {
            None
        } else {
            parse_ietf(attribute_type, &mut body)?
        };
        let value = match value {
            Some(v) => {
                if let Err(bytes) = body.expect_empty() {
                    return Err(WireError::Trailing {
                        what: "L2TP AVP value",
                        bytes,
                    });
                }
                v
            }
            None => AvpValue::Unknown {
                vendor_id,
                attribute_type,
                hidden,
                value: body.take_rest().to_vec(),
            },
        };
        Ok(Avp { mandatory, value })
    }
}

/// A typed IETF value, or `None` for an attribute kept raw.
fn parse_ietf(attribute: u16, r: &mut Reader<'_>) -> Result<Option<AvpValue>, WireError> {
    use AvpValue as V;
    const W: &str = "L2TP AVP value";
    let short = WireError::short(W);
    let v = match attribute {
        attr::MESSAGE_TYPE => V::MessageType(MessageType::from(r.u16().map_err(&short)?)),
        attr::RESULT_CODE => {
            let result = r.u16().map_err(&short)?;
            let (error, message) = if r.is_empty() {
                (None, Vec::new())
            } else {
                (Some(r.u16().map_err(&short)?), r.take_rest().to_vec())
            };
            V::ResultCode(ResultCode {
                result,
                error,
                message,
            })
        }
        attr::PROTOCOL_VERSION => V::ProtocolVersion {
            version: r.u8().map_err(&short)?,
            revision: r.u8().map_err(&short)?,
        },
        attr::FRAMING_CAPABILITIES => V::FramingCapabilities(r.u32().map_err(&short)?),
        attr::BEARER_CAPABILITIES => V::BearerCapabilities(r.u32().map_err(&short)?),
        attr::TIE_BREAKER => {
            let b = r.take(8).map_err(&short)?;
            let mut t = [0u8; 8];
            t.copy_from_slice(b);
            V::TieBreaker(t)
        }
        attr::FIRMWARE_REVISION => V::FirmwareRevision(r.u16().map_err(&short)?),
        attr::HOST_NAME => V::HostName(r.take_rest().to_vec()),
        attr::VENDOR_NAME => V::VendorName(r.take_rest().to_vec()),
        attr::ASSIGNED_TUNNEL_ID => V::AssignedTunnelId(r.u16().map_err(&short)?),
        attr::RECEIVE_WINDOW_SIZE => V::ReceiveWindowSize(r.u16().map_err(&short)?),
        attr::ASSIGNED_SESSION_ID => V::AssignedSessionId(r.u16().map_err(&short)?),
        attr::CALL_SERIAL_NUMBER => V::CallSerialNumber(r.u32().map_err(&short)?),
        attr::MINIMUM_BPS => V::MinimumBps(r.u32().map_err(&short)?),
        attr::MAXIMUM_BPS => V::MaximumBps(r.u32().map_err(&short)?),
        attr::BEARER_TYPE => V::BearerType(r.u32().map_err(&short)?),
        attr::FRAMING_TYPE => V::FramingType(r.u32().map_err(&short)?),
        attr::CALLED_NUMBER => V::CalledNumber(r.take_rest().to_vec()),
        attr::CALLING_NUMBER => V::CallingNumber(r.take_rest().to_vec()),
        attr::SUB_ADDRESS => V::SubAddress(r.take_rest().to_vec()),
        attr::TX_CONNECT_SPEED => V::TxConnectSpeed(r.u32().map_err(&short)?),
        attr::PHYSICAL_CHANNEL_ID => V::PhysicalChannelId(r.u32().map_err(&short)?),
        attr::RX_CONNECT_SPEED => V::RxConnectSpeed(r.u32().map_err(&short)?),
        attr::SEQUENCING_REQUIRED => V::SequencingRequired,
        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(bytes: &[u8]) -> Result<Avp, WireError> {
        let mut r = Reader::new(bytes);
        let a = Avp::parse(&mut r)?;
        assert!(r.is_empty());
        Ok(a)
    }

    #[test]
    fn result_code_with_message_round_trips() {
        // 6 header + 2 result + 2 error + 7 message = 17 = 0x11
        let fixed = hex::decode("8011000000010002000474696d656f7574").unwrap();
        let avp = one(&fixed).unwrap();
        assert_eq!(
            avp,
            Avp::mandatory(AvpValue::ResultCode(ResultCode {
                result: 2,
                error: Some(4),
                message: b"timeout".to_vec(),
            }))
        );
        let mut out = Vec::new();
        avp.emit(&mut out).unwrap();
        assert_eq!(out, fixed);
    }

    #[test]
    fn hidden_and_vendor_avps_are_kept_raw() {
        let hidden = one(&hex::decode("c0080000000e1234").unwrap()).unwrap();
        assert_eq!(
            hidden.value,
            AvpValue::Unknown {
                vendor_id: 0,
                attribute_type: 14,
                hidden: true,
                value: vec![0x12, 0x34],
            }
        );
        let vendor = one(&hex::decode("0007013700aaff").unwrap()).unwrap();
        assert_eq!(vendor.key(), (0x0137, 0x00aa));
        let mut out = Vec::new();
        hidden.emit(&mut out).unwrap();
        vendor.emit(&mut out).unwrap();
        assert_eq!(hex::encode(out), "c0080000000e12340007013700aaff");
    }

    #[test]
    fn wrong_length_for_typed_value_is_rejected() {
        // Assigned Tunnel ID with 3 value bytes.
        assert!(matches!(
            one(&hex::decode("800900000009123456").unwrap()),
            Err(WireError::Trailing { .. })
        ));
        // Length 5 (< header).
        assert!(matches!(
            one(&hex::decode("800500000009").unwrap()),
            Err(WireError::BadLength { .. })
        ));
        // Reserved bits.
        assert!(one(&hex::decode("84080000000a0004").unwrap()).is_err());
    }

    #[test]
    fn oversized_value_is_not_emitted() {
        let avp = Avp::optional(AvpValue::HostName(vec![b'a'; AVP_MAX_VALUE_LEN + 1]));
        assert!(avp.emit(&mut Vec::new()).is_err());
        let avp = Avp::optional(AvpValue::HostName(vec![b'a'; AVP_MAX_VALUE_LEN]));
        let mut out = Vec::new();
        avp.emit(&mut out).unwrap();
        assert_eq!(out.len(), 1023);
        assert_eq!(one(&out).unwrap(), avp);
    }
}
