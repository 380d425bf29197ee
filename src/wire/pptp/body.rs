//! The bodies of the PPTP control messages (RFC 2637 2.1-2.16), after the
//! 12-octet header. Lengths are fixed per type; `mod.rs` checked them, so
//! a short read here means a programming error in the length table, and
//! still returns an error rather than panicking.

use super::{Message, MessageType, NAME_LEN};
use crate::wire::codec::{Reader, Short};

/// Call Statistics of Call-Disconnect-Notify (RFC 2637 2.13).
const STATISTICS_LEN: usize = 128;

/// Start-Control-Connection-Request and -Reply (RFC 2637 2.1, 2.2). The
/// request has a reserved field where the reply has its result and error
/// codes: 0 there in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartControl {
    pub protocol_version: u16,
    pub result: u8,
    pub error: u8,
    /// 1 asynchronous, 2 synchronous (bits).
    pub framing_capabilities: u32,
    /// 1 analog, 2 digital (bits).
    pub bearer_capabilities: u32,
    pub maximum_channels: u16,
    pub firmware_revision: u16,
    /// Up to 64 octets; the NUL padding is not kept.
    pub host_name: Vec<u8>,
    pub vendor_name: Vec<u8>,
}

/// Outgoing-Call-Request (RFC 2637 2.7): what a Windows client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingCallRequest {
    pub call_id: u16,
    pub call_serial_number: u16,
    pub minimum_bps: u32,
    pub maximum_bps: u32,
    pub bearer_type: u32,
    pub framing_type: u32,
    pub packet_receive_window: u16,
    pub packet_processing_delay: u16,
    /// Its length is sent in the Phone Number Length field.
    pub phone_number: Vec<u8>,
    pub subaddress: Vec<u8>,
}

/// Outgoing-Call-Reply (RFC 2637 2.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingCallReply {
    pub call_id: u16,
    pub peer_call_id: u16,
    /// 1 connected; 2 general error, 3 no carrier, 4 busy, 5 no dial tone,
    /// 6 time-out, 7 do not accept.
    pub result: u8,
    pub error: u8,
    pub cause: u16,
    pub connect_speed: u32,
    pub packet_receive_window: u16,
    pub packet_processing_delay: u16,
    pub physical_channel_id: u32,
}

/// Incoming-Call-Request (RFC 2637 2.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCallRequest {
    pub call_id: u16,
    pub call_serial_number: u16,
    pub bearer_type: u32,
    pub physical_channel_id: u32,
    pub dialed_number: Vec<u8>,
    pub dialing_number: Vec<u8>,
    pub subaddress: Vec<u8>,
}

/// Incoming-Call-Reply (RFC 2637 2.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCallReply {
    pub call_id: u16,
    pub peer_call_id: u16,
    pub result: u8,
    pub error: u8,
    pub packet_receive_window: u16,
    pub packet_transmit_delay: u16,
}

/// Incoming-Call-Connected (RFC 2637 2.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCallConnected {
    pub peer_call_id: u16,
    pub connect_speed: u32,
    pub packet_receive_window: u16,
    pub packet_transmit_delay: u16,
    pub framing_type: u32,
}

/// Call-Disconnect-Notify (RFC 2637 2.13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallDisconnectNotify {
    pub call_id: u16,
    /// 1 lost carrier, 2 general error, 3 admin shutdown, 4 request.
    pub result: u8,
    pub error: u8,
    pub cause: u16,
    /// Up to 128 octets of text; the NUL padding is not kept.
    pub call_statistics: Vec<u8>,
}

/// WAN-Error-Notify (RFC 2637 2.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WanErrorNotify {
    pub peer_call_id: u16,
    pub crc_errors: u32,
    pub framing_errors: u32,
    pub hardware_overruns: u32,
    pub buffer_overruns: u32,
    pub timeout_errors: u32,
    pub alignment_errors: u32,
}

/// A NUL-padded field of `len` octets, without its padding.
fn text(r: &mut Reader<'_>, len: usize) -> Result<Vec<u8>, Short> {
    let b = r.take(len)?;
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    Ok(b[..end].to_vec())
}

/// `v` in `len` octets: cut to fit, NUL-padded.
fn put_text(out: &mut Vec<u8>, v: &[u8], len: usize) {
    let v = &v[..v.len().min(len)];
    out.extend_from_slice(v);
    out.resize(out.len() + len - v.len(), 0);
}

fn start_control(r: &mut Reader<'_>) -> Result<StartControl, Short> {
    Ok(StartControl {
        protocol_version: r.u16()?,
        result: r.u8()?,
        error: r.u8()?,
        framing_capabilities: r.u32()?,
        bearer_capabilities: r.u32()?,
        maximum_channels: r.u16()?,
        firmware_revision: r.u16()?,
        host_name: text(r, NAME_LEN)?,
        vendor_name: text(r, NAME_LEN)?,
    })
}

pub(super) fn parse(t: MessageType, r: &mut Reader<'_>) -> Result<Message, Short> {
    use MessageType as T;
    Ok(match t {
        T::StartControlConnectionRequest => {
            Message::StartControlConnectionRequest(start_control(r)?)
        }
        T::StartControlConnectionReply => Message::StartControlConnectionReply(start_control(r)?),
        T::StopControlConnectionRequest => {
            let reason = r.u8()?;
            r.take(3)?;
            Message::StopControlConnectionRequest { reason }
        }
        T::StopControlConnectionReply => {
            let (result, error) = (r.u8()?, r.u8()?);
            r.u16()?;
            Message::StopControlConnectionReply { result, error }
        }
        T::EchoRequest => Message::EchoRequest {
            identifier: r.u32()?,
        },
        T::EchoReply => {
            let (identifier, result, error) = (r.u32()?, r.u8()?, r.u8()?);
            r.u16()?;
            Message::EchoReply {
                identifier,
                result,
                error,
            }
        }
        T::OutgoingCallRequest => {
            let (call_id, call_serial_number) = (r.u16()?, r.u16()?);
            let (minimum_bps, maximum_bps) = (r.u32()?, r.u32()?);
            let (bearer_type, framing_type) = (r.u32()?, r.u32()?);
            let (packet_receive_window, packet_processing_delay) = (r.u16()?, r.u16()?);
            // Phone Number Length and Reserved1: the number is read to
            // its padding instead.
            r.take(4)?;
            Message::OutgoingCallRequest(OutgoingCallRequest {
                call_id,
                call_serial_number,
                minimum_bps,
                maximum_bps,
                bearer_type,
                framing_type,
                packet_receive_window,
                packet_processing_delay,
                phone_number: text(r, NAME_LEN)?,
                subaddress: text(r, NAME_LEN)?,
            })
        }
        T::OutgoingCallReply => {
            let (call_id, peer_call_id) = (r.u16()?, r.u16()?);
            let (result, error, cause) = (r.u8()?, r.u8()?, r.u16()?);
            Message::OutgoingCallReply(OutgoingCallReply {
                call_id,
                peer_call_id,
                result,
                error,
                cause,
                connect_speed: r.u32()?,
                packet_receive_window: r.u16()?,
                packet_processing_delay: r.u16()?,
                physical_channel_id: r.u32()?,
            })
        }
        T::IncomingCallRequest => {
            let (call_id, call_serial_number) = (r.u16()?, r.u16()?);
            let (bearer_type, physical_channel_id) = (r.u32()?, r.u32()?);
            r.take(4)?; // the two number lengths
            Message::IncomingCallRequest(IncomingCallRequest {
                call_id,
                call_serial_number,
                bearer_type,
                physical_channel_id,
                dialed_number: text(r, NAME_LEN)?,
                dialing_number: text(r, NAME_LEN)?,
                subaddress: text(r, NAME_LEN)?,
            })
        }
        T::IncomingCallReply => {
            let (call_id, peer_call_id) = (r.u16()?, r.u16()?);
            let (result, error) = (r.u8()?, r.u8()?);
            let (packet_receive_window, packet_transmit_delay) = (r.u16()?, r.u16()?);
            r.u16()?;
            Message::IncomingCallReply(IncomingCallReply {
                call_id,
                peer_call_id,
                result,
                error,
                packet_receive_window,
                packet_transmit_delay,
            })
        }
        T::IncomingCallConnected => {
            let peer_call_id = r.u16()?;
            r.u16()?;
            Message::IncomingCallConnected(IncomingCallConnected {
                peer_call_id,
                connect_speed: r.u32()?,
                packet_receive_window: r.u16()?,
                packet_transmit_delay: r.u16()?,
                framing_type: r.u32()?,
            })
        }
        T::CallClearRequest => {
            let call_id = r.u16()?;
            r.u16()?;
            Message::CallClearRequest { call_id }
        }
        T::CallDisconnectNotify => {
            let (call_id, result, error, cause) = (r.u16()?, r.u8()?, r.u8()?, r.u16()?);
            r.u16()?;
            Message::CallDisconnectNotify(CallDisconnectNotify {
                call_id,
                result,
                error,
                cause,
                call_statistics: text(r, STATISTICS_LEN)?,
            })
        }
        T::WanErrorNotify => {
            let peer_call_id = r.u16()?;
            r.u16()?;
            Message::WanErrorNotify(WanErrorNotify {
                peer_call_id,
                crc_errors: r.u32()?,
                framing_errors: r.u32()?,
                hardware_overruns: r.u32()?,
                buffer_overruns: r.u32()?,
                timeout_errors: r.u32()?,
                alignment_errors: r.u32()?,
            })
        }
        T::SetLinkInfo => {
            let peer_call_id = r.u16()?;
            r.u16()?;
            Message::SetLinkInfo {
                peer_call_id,
                send_accm: r.u32()?,
                receive_accm: r.u32()?,
            }
        }
    })
}

fn put_start_control(out: &mut Vec<u8>, s: &StartControl) {
    out.extend_from_slice(&s.protocol_version.to_be_bytes());
    out.extend_from_slice(&[s.result, s.error]);
    out.extend_from_slice(&s.framing_capabilities.to_be_bytes());
    out.extend_from_slice(&s.bearer_capabilities.to_be_bytes());
    out.extend_from_slice(&s.maximum_channels.to_be_bytes());
    out.extend_from_slice(&s.firmware_revision.to_be_bytes());
    put_text(out, &s.host_name, NAME_LEN);
    put_text(out, &s.vendor_name, NAME_LEN);
}

/// Big-endian fields one after the other: (value, width in octets).
fn put(out: &mut Vec<u8>, fields: &[(u32, usize)]) {
    for &(v, width) in fields {
        out.extend_from_slice(&v.to_be_bytes()[4 - width..]);
    }
}

fn u(v: impl Into<u32>) -> u32 {
    v.into()
}

pub(super) fn emit(m: &Message, out: &mut Vec<u8>) {
    match m {
        Message::StartControlConnectionRequest(s) | Message::StartControlConnectionReply(s) => {
            put_start_control(out, s)
        }
        Message::StopControlConnectionRequest { reason } => put(out, &[(u(*reason), 1), (0, 3)]),
        Message::StopControlConnectionReply { result, error } => {
            put(out, &[(u(*result), 1), (u(*error), 1), (0, 2)])
        }
        Message::EchoRequest { identifier } => put(out, &[(*identifier, 4)]),
        Message::EchoReply {
            identifier,
            result,
            error,
        } => put(
            out,
            &[(*identifier, 4), (u(*result), 1), (u(*error), 1), (0, 2)],
        ),
        Message::OutgoingCallRequest(o) => {
            let number_len = o.phone_number.len().min(NAME_LEN) as u32;
            put(
                out,
                &[
                    (u(o.call_id), 2),
                    (u(o.call_serial_number), 2),
                    (o.minimum_bps, 4),
                    (o.maximum_bps, 4),
                    (o.bearer_type, 4),
                    (o.framing_type, 4),
                    (u(o.packet_receive_window), 2),
                    (u(o.packet_processing_delay), 2),
                    (number_len, 2),
                    (0, 2),
                ],
            );
            put_text(out, &o.phone_number, NAME_LEN);
            put_text(out, &o.subaddress, NAME_LEN);
        }
        Message::OutgoingCallReply(o) => put(
            out,
            &[
                (u(o.call_id), 2),
                (u(o.peer_call_id), 2),
                (u(o.result), 1),
                (u(o.error), 1),
                (u(o.cause), 2),
                (o.connect_speed, 4),
                (u(o.packet_receive_window), 2),
                (u(o.packet_processing_delay), 2),
                (o.physical_channel_id, 4),
            ],
        ),
        Message::IncomingCallRequest(i) => {
            let len = |v: &[u8]| v.len().min(NAME_LEN) as u32;
            put(
                out,
                &[
                    (u(i.call_id), 2),
                    (u(i.call_serial_number), 2),
                    (i.bearer_type, 4),
                    (i.physical_channel_id, 4),
                    (len(&i.dialed_number), 2),
                    (len(&i.dialing_number), 2),
                ],
            );
            put_text(out, &i.dialed_number, NAME_LEN);
            put_text(out, &i.dialing_number, NAME_LEN);
            put_text(out, &i.subaddress, NAME_LEN);
        }
        Message::IncomingCallReply(i) => put(
            out,
            &[
                (u(i.call_id), 2),
                (u(i.peer_call_id), 2),
                (u(i.result), 1),
                (u(i.error), 1),
                (u(i.packet_receive_window), 2),
                (u(i.packet_transmit_delay), 2),
                (0, 2),
            ],
        ),
        Message::IncomingCallConnected(i) => put(
            out,
            &[
                (u(i.peer_call_id), 2),
                (0, 2),
                (i.connect_speed, 4),
                (u(i.packet_receive_window), 2),
                (u(i.packet_transmit_delay), 2),
                (i.framing_type, 4),
            ],
        ),
        Message::CallClearRequest { call_id } => put(out, &[(u(*call_id), 2), (0, 2)]),
        Message::CallDisconnectNotify(c) => {
            put(
                out,
                &[
                    (u(c.call_id), 2),
                    (u(c.result), 1),
                    (u(c.error), 1),
                    (u(c.cause), 2),
                    (0, 2),
                ],
            );
            put_text(out, &c.call_statistics, STATISTICS_LEN);
        }
        Message::WanErrorNotify(w) => put(
            out,
            &[
                (u(w.peer_call_id), 2),
                (0, 2),
                (w.crc_errors, 4),
                (w.framing_errors, 4),
                (w.hardware_overruns, 4),
                (w.buffer_overruns, 4),
                (w.timeout_errors, 4),
                (w.alignment_errors, 4),
            ],
        ),
        Message::SetLinkInfo {
            peer_call_id,
            send_accm,
            receive_accm,
        } => put(
            out,
            &[
                (u(*peer_call_id), 2),
                (0, 2),
                (*send_accm, 4),
                (*receive_accm, 4),
            ],
        ),
    }
}
