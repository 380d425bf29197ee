//! l2tpsec: real L2TP/IPsec client and server stacks inside a seeded,
//! deterministic simulated network, reproducing the symptoms of KB 314831.
//!
//! Layering (DESIGN.md): `wire` and `crypto` at the bottom; the sans-IO
//! protocol engines `l2tp` and `ppp` above them; `windows` models the XP
//! client and the Server 2003 RRAS server on top; `net` moves IPv4 packets
//! between machines on turmoil and knows nothing of VPN protocols.
#![forbid(unsafe_code)]

pub mod crypto;
pub mod ike;
pub mod ipsec;
pub mod l2tp;
pub mod net;
pub mod ppp;
pub mod seed;
pub mod windows;
pub mod wire;
