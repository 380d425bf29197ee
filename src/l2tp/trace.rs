//! L2TP control message traces (issue 12; `crate::trace`).

use std::net::SocketAddrV4;

/// A control message in or out (RFC 2661 3.1), for the traces; data
/// messages are not traced.
pub(super) fn trace_control(direction: &'static str, peer: &SocketAddrV4, data: &[u8]) {
    // Parsed again only when someone listens.
    if !tracing::enabled!(target: crate::trace::L2TP, tracing::Level::TRACE) {
        return;
    }
    if let Ok(crate::wire::l2tp::Summary::Control {
        name,
        tunnel_id,
        session_id,
        ns,
        nr,
        ..
    }) = crate::wire::l2tp::summarize(data)
    {
        tracing::trace!(
            target: crate::trace::L2TP,
            peer = %peer,
            kind = name,
            tunnel = tunnel_id,
            session = session_id,
            ns,
            nr,
            "{direction}"
        );
    }
}
