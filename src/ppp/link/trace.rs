//! The PPP link's packet traces (issue 12; `crate::trace`).

use crate::wire::ppp::{Frame, Protocol};

/// A control packet (LCP, CHAP, CCP, IPCP, IPV6CP) in or out, from its protocol
/// field on, as PPP.LOG dumps it; data frames are not traced.
pub(super) fn trace_control(direction: &'static str, f: &Frame<'_>) {
    if !matches!(
        f.protocol,
        Protocol::Lcp | Protocol::Chap | Protocol::Ccp | Protocol::Ipcp | Protocol::Ipv6cp
    ) {
        return;
    }
    let mut bytes = u16::from(f.protocol).to_be_bytes().to_vec();
    bytes.extend_from_slice(f.info);
    tracing::trace!(
        target: crate::trace::PPP,
        protocol = u16::from(f.protocol),
        code = f.info.first().copied().unwrap_or(0),
        id = f.info.get(1).copied().unwrap_or(0),
        len = bytes.len(),
        hex = %crate::trace::hex(&bytes),
        "{direction}"
    );
}
