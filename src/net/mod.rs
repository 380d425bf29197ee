//! The simulated IPv4 network (an event-driven engine, and turmoil as the
//! reference): segments, hosts and their
//! interfaces, seeded link faults, capture (pcapng), routers and NATs.
//! It moves IPv4 packets and knows nothing of VPN protocols (DESIGN.md).

pub mod capture;
pub mod error;
mod event;
pub mod fault;
mod link;
pub mod machine;
pub mod nat;
pub mod route;
pub mod router;
pub mod sim;
pub mod spec;
mod tick;

#[cfg(test)]
mod sim_tests;

pub use capture::{CapturedPacket, Direction, InterfaceCapture};
pub use error::NetError;
pub use fault::{AppliedAction, AppliedFault};
pub use machine::{Machine, Refused, Transmit};
pub use nat::{EspNat, Forward, GreNat, Nat, NatDrop, NatTable};
pub use route::RouteTable;
pub use router::{ForwardStats, Router};
pub use sim::Simulation;
pub use spec::{
    CorruptAfter, Engine, FaultAction, FaultSite, FaultSpec, HostSpec, InterfaceSpec, NetworkSpec,
    PacketMatch, ProtoMatch, SegmentSpec, Subnet,
};
