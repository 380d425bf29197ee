//! PPTP control messages (RFC 2637 2): the control connection on TCP 1723.
//! Every message has a 12-octet header (length, PPTP message type 1,
//! magic cookie 0x1A2B3C4D, control message type, reserved) and a body of
//! fixed length for its type. TCP is a byte stream, so `message_len`
//! finds where the first message of a buffer ends.
//!
//! Reserved fields are sent as 0 and not checked on receipt (RFC 2637 2:
//! "MUST be 0"; Windows is not known to send otherwise), so `emit` of a
//! parsed message may differ from the bytes only there.

mod body;
#[cfg(test)]
mod tests;

pub use body::{
    CallDisconnectNotify, IncomingCallConnected, IncomingCallReply, IncomingCallRequest,
    OutgoingCallReply, OutgoingCallRequest, StartControl, WanErrorNotify,
};

use super::codec::Reader;
use super::error::WireError;

/// PPTP's TCP port (RFC 2637 1.3).
pub const TCP_PORT: u16 = 1723;
/// RFC 2637 2: every message carries it, as a check of framing.
pub const MAGIC_COOKIE: u32 = 0x1a2b_3c4d;
/// PPTP Message Type 1: control (2 would be management, never defined).
pub const CONTROL_MESSAGE: u16 = 1;
/// Length, message type, magic cookie, control message type, reserved.
pub const HEADER_LEN: usize = 12;
/// Protocol Version 1, revision 0 (RFC 2637 2.1).
pub const PROTOCOL_VERSION: u16 = 0x0100;
/// Host Name, Vendor, Phone Number, Subaddress (RFC 2637 2.1, 2.7).
pub const NAME_LEN: usize = 64;

const WHAT: &str = "PPTP";

/// Control Message Type (RFC 2637 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageType {
    StartControlConnectionRequest,
    StartControlConnectionReply,
    StopControlConnectionRequest,
    StopControlConnectionReply,
    EchoRequest,
    EchoReply,
    OutgoingCallRequest,
    OutgoingCallReply,
    IncomingCallRequest,
    IncomingCallReply,
    IncomingCallConnected,
    CallClearRequest,
    CallDisconnectNotify,
    WanErrorNotify,
    SetLinkInfo,
}

/// (value, type, RFC name, body length after the 12-octet header).
const TYPES: [(u16, MessageType, &str, usize); 15] = [
    (
        1,
        MessageType::StartControlConnectionRequest,
        "Start-Control-Connection-Request",
        144,
    ),
    (
        2,
        MessageType::StartControlConnectionReply,
        "Start-Control-Connection-Reply",
        144,
    ),
    (
        3,
        MessageType::StopControlConnectionRequest,
        "Stop-Control-Connection-Request",
        4,
    ),
    (
        4,
        MessageType::StopControlConnectionReply,
        "Stop-Control-Connection-Reply",
        4,
    ),
    (5, MessageType::EchoRequest, "Echo-Request", 4),
    (6, MessageType::EchoReply, "Echo-Reply", 8),
    (
        7,
        MessageType::OutgoingCallRequest,
        "Outgoing-Call-Request",
        156,
    ),
    (8, MessageType::OutgoingCallReply, "Outgoing-Call-Reply", 20),
    (
        9,
        MessageType::IncomingCallRequest,
        "Incoming-Call-Request",
        208,
    ),
    (
        10,
        MessageType::IncomingCallReply,
        "Incoming-Call-Reply",
        12,
    ),
    (
        11,
        MessageType::IncomingCallConnected,
        "Incoming-Call-Connected",
        16,
    ),
    (12, MessageType::CallClearRequest, "Call-Clear-Request", 4),
    (
        13,
        MessageType::CallDisconnectNotify,
        "Call-Disconnect-Notify",
        136,
    ),
    (14, MessageType::WanErrorNotify, "WAN-Error-Notify", 28),
    (15, MessageType::SetLinkInfo, "Set-Link-Info", 12),
];

impl MessageType {
    pub fn from_u16(v: u16) -> Option<Self> {
        TYPES.iter().find(|t| t.0 == v).map(|t| t.1)
    }

    fn entry(self) -> &'static (u16, MessageType, &'static str, usize) {
        // Every variant is in the table (tested).
        TYPES.iter().find(|t| t.1 == self).unwrap_or(&TYPES[0])
    }

    pub fn value(self) -> u16 {
        self.entry().0
    }

    /// The RFC's name, as packet summaries show it.
    pub fn name(self) -> &'static str {
        self.entry().2
    }

    /// The whole message's length, header included.
    pub fn message_len(self) -> usize {
        HEADER_LEN + self.entry().3
    }
}

/// One control message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    StartControlConnectionRequest(StartControl),
    StartControlConnectionReply(StartControl),
    StopControlConnectionRequest {
        reason: u8,
    },
    StopControlConnectionReply {
        result: u8,
        error: u8,
    },
    EchoRequest {
        identifier: u32,
    },
    EchoReply {
        identifier: u32,
        result: u8,
        error: u8,
    },
    OutgoingCallRequest(OutgoingCallRequest),
    OutgoingCallReply(OutgoingCallReply),
    IncomingCallRequest(IncomingCallRequest),
    IncomingCallReply(IncomingCallReply),
    IncomingCallConnected(IncomingCallConnected),
    CallClearRequest {
        call_id: u16,
    },
    CallDisconnectNotify(CallDisconnectNotify),
    WanErrorNotify(WanErrorNotify),
    SetLinkInfo {
        peer_call_id: u16,
        send_accm: u32,
        receive_accm: u32,
    },
}

impl Message {
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::StartControlConnectionRequest(_) => MessageType::StartControlConnectionRequest,
            Message::StartControlConnectionReply(_) => MessageType::StartControlConnectionReply,
            Message::StopControlConnectionRequest { .. } => {
                MessageType::StopControlConnectionRequest
            }
            Message::StopControlConnectionReply { .. } => MessageType::StopControlConnectionReply,
            Message::EchoRequest { .. } => MessageType::EchoRequest,
            Message::EchoReply { .. } => MessageType::EchoReply,
            Message::OutgoingCallRequest(_) => MessageType::OutgoingCallRequest,
            Message::OutgoingCallReply(_) => MessageType::OutgoingCallReply,
            Message::IncomingCallRequest(_) => MessageType::IncomingCallRequest,
            Message::IncomingCallReply(_) => MessageType::IncomingCallReply,
            Message::IncomingCallConnected(_) => MessageType::IncomingCallConnected,
            Message::CallClearRequest { .. } => MessageType::CallClearRequest,
            Message::CallDisconnectNotify(_) => MessageType::CallDisconnectNotify,
            Message::WanErrorNotify(_) => MessageType::WanErrorNotify,
            Message::SetLinkInfo { .. } => MessageType::SetLinkInfo,
        }
    }

    /// Exactly one message: header checked, body of its type's length.
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let short = WireError::short(WHAT);
        let length = usize::from(r.u16().map_err(&short)?);
        if length != bytes.len() {
            return Err(WireError::BadLength {
                what: WHAT,
                len: length,
            });
        }
        if r.u16().map_err(&short)? != CONTROL_MESSAGE {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "PPTP message type is not 1 (control)",
            });
        }
        if r.u32().map_err(&short)? != MAGIC_COOKIE {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "bad magic cookie",
            });
        }
        let t = MessageType::from_u16(r.u16().map_err(&short)?).ok_or(WireError::Malformed {
            what: WHAT,
            detail: "unknown control message type",
        })?;
        r.u16().map_err(&short)?; // Reserved0
        if length != t.message_len() {
            return Err(WireError::BadLength {
                what: t.name(),
                len: length,
            });
        }
        body::parse(t, &mut r).map_err(WireError::short(t.name()))
    }

    pub fn emit(&self) -> Vec<u8> {
        let t = self.message_type();
        let mut out = Vec::with_capacity(t.message_len());
        // Every message type is at most 220 octets long.
        out.extend_from_slice(&(t.message_len() as u16).to_be_bytes());
        out.extend_from_slice(&CONTROL_MESSAGE.to_be_bytes());
        out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        out.extend_from_slice(&t.value().to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        body::emit(self, &mut out);
        out
    }
}

/// Where the first message of a TCP byte stream ends: `Ok(None)` while it
/// is incomplete; an error when its length cannot be a PPTP message (the
/// stream cannot be resynchronised, RFC 2637 2).
pub fn message_len(stream: &[u8]) -> Result<Option<usize>, WireError> {
    let Some(len) = stream.get(..2) else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    if len < HEADER_LEN {
        return Err(WireError::BadLength { what: WHAT, len });
    }
    Ok((stream.len() >= len).then_some(len))
}
