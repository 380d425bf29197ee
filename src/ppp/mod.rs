//! PPP over an L2TP session (RFC 1661, RFC 2661): the RFC 1661 option
//! automaton (`fsm`) with the LCP, IPCP, IPV6CP and CCP/MPPE policies, MS-CHAPv2
//! (`chap`), MPPE (`mppe`), and `link::Link`, which composes them into the
//! phases Dead, Establish, Authenticate, Network (RFC 1661 3.2).

pub mod ccp;
pub mod chap;
pub mod eap;
pub mod error;
pub mod fsm;
pub mod ipcp;
pub mod ipv6cp;
pub mod lcp;
pub mod link;
pub mod mppe;

pub use ccp::Encryption;
pub use error::PppError;
pub use link::{Authorization, DownReason, Link, LinkConfig, LinkEvent, Role};
