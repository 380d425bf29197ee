//! What a PPP call runs over: an L2TP session or a PPTP call. The RAS
//! client and the RRAS server run the same PPP on either; the machine
//! knows which engine carries it.

use super::rras::TunnelType;
use crate::l2tp::SessionHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Carrier {
    L2tp(SessionHandle),
    /// Our call id of the PPTP call (the key of the GRE we receive).
    Pptp(u16),
}

impl Carrier {
    /// What remote access policies match it by (`tunnel-type`).
    pub fn tunnel_type(self) -> TunnelType {
        match self {
            Carrier::L2tp(_) => TunnelType::L2tp,
            Carrier::Pptp(_) => TunnelType::Pptp,
        }
    }
}
