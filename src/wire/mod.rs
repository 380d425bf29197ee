//! Packet formats only: views over bytes and their `Repr`s. No state, no
//! protocol logic, no I/O (DESIGN.md, layout).

pub mod checksum;
pub mod codec;
pub mod error;
pub mod esp;
pub mod flow;
pub mod gre;
pub mod icmp;
pub mod ipv4;
pub mod isakmp;
pub mod l2tp;
pub mod l2tp_avp;
pub mod ppp;
pub mod pptp;
pub mod tcp;
pub mod udp;
mod view;

pub use error::WireError;
pub use flow::{Flow, WireKind};
