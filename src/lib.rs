//! l2tpsec: real L2TP/IPsec client and server stacks inside a seeded,
//! deterministic simulated network, reproducing the symptoms of KB 314831.
//!
//! Layering (DESIGN.md), each module importing only those above it:
//!
//! - [`wire`]: packet formats only, smoltcp style (`Packet<T>` views and
//!   `Repr`s): IPv4, UDP, TCP, ICMP, ISAKMP, ESP, L2TP, PPP, and `Flow`,
//!   the one classifier of what a router sees of a packet. No state.
//! - [`crypto`]: MS-CHAPv2, MPPE keys, IKE key derivation, MODP
//!   Diffie-Hellman, CBC ciphers, HMAC-96, X.509 minting and validation.
//! - [`seed`]: the scenario seed turned into one ChaCha RNG per site.
//! - [`timer`]: the `TimerTable` each engine keeps its `Timer` enum's
//!   deadlines in; due-ness is decided there only.
//! - [`ike`], [`ipsec`], [`l2tp`], [`ppp`]: the sans-IO protocol engines
//!   (IKEv1 Main and Quick Mode; ESP SAs, filters and the driver; L2TP
//!   control connections and sessions; the RFC 1661 automaton, LCP,
//!   MS-CHAPv2, CCP/MPPE, IPCP and the link that composes them).
//! - [`windows`]: the Windows XP client and Server 2003 RRAS machines:
//!   sans-IO components (RAS client, RRAS server, IPsec components) that
//!   `windows::machine` composes, event logs, IP Security Monitor, views,
//!   and the message catalog every text comes from.
//! - [`net`]: the simulated network on turmoil: segments, routers, NAT,
//!   seeded faults, capture (pcapng). It moves IPv4 packets and knows
//!   nothing of VPN protocols.
#![forbid(unsafe_code)]

pub mod crypto;
pub mod ike;
pub mod ipsec;
pub mod l2tp;
pub mod net;
pub mod ppp;
pub mod pptp;
pub mod seed;
pub mod tcp;
pub mod timer;
pub mod tls;
pub mod trace;
pub mod values;
pub mod windows;
pub mod wire;
