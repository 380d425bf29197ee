//! The network layer's one error type. Bad specifications and misuse of the
//! simulation are errors; packets that cannot be delivered are not (they are
//! dropped, as a real network would).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NetError {
    /// A subnet string that is not `a.b.c.d/n` with n <= 32.
    #[error("invalid subnet '{text}': {detail}, expected a.b.c.d/n such as 192.168.1.0/24")]
    BadSubnet { text: String, detail: &'static str },
    /// Two segments or two hosts share a name.
    #[error("duplicate {what} name {name:?}")]
    DuplicateName { what: &'static str, name: String },
    /// A reference to a segment that the spec does not declare.
    #[error("{context}: unknown segment {segment:?}")]
    UnknownSegment { context: String, segment: String },
    /// A reference to a host that the spec does not declare.
    #[error("{context}: unknown host {host:?}")]
    UnknownHost { context: String, host: String },
    /// An interface address outside its segment's subnet.
    #[error("host {host:?}: address {addr} is outside {segment:?} ({subnet})")]
    AddressOutsideSubnet {
        host: String,
        addr: core::net::Ipv4Addr,
        segment: String,
        subnet: String,
    },
    /// Two interfaces on one segment with the same address.
    #[error("segment {segment:?}: address {addr} used twice")]
    DuplicateAddress {
        segment: String,
        addr: core::net::Ipv4Addr,
    },
    /// A fault whose probability is not within [0, 1] or whose active window
    /// ends before it starts.
    #[error("fault #{index}: {detail}")]
    BadFault { index: usize, detail: &'static str },
    /// A zero tick would never advance time.
    #[error("the simulation tick must be greater than zero")]
    ZeroTick,
    /// `run` was called while a host has no machine.
    #[error("host {host:?} has no machine")]
    NoMachine { host: String },
    /// `add_machine` after the simulation started, or twice for one host.
    #[error("host {host:?}: {detail}")]
    MachineRejected { host: String, detail: &'static str },
    /// A machine's constructor was given an interface index it does not have.
    #[error("interface index {index} out of range ({count} interfaces)")]
    BadInterface { index: usize, count: usize },
    /// turmoil reported an error from a host task.
    #[error("simulation failed: {0}")]
    Simulation(String),
    /// Writing the capture failed.
    #[error("pcapng: {0}")]
    Pcap(String),
}
