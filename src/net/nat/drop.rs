//! Why the NAT refused a packet: what the table and the GRE helper both
//! answer with, kept below them.

/// Why a packet was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NatDrop {
    /// Not a checked IPv4 packet, or its transport header is cut short.
    Malformed,
    /// Fragments have no ports to translate.
    Fragment,
    /// Inbound with no mapping for its port, identifier or ESP peer.
    NoMapping,
    /// ESP with `EspNat::Drop`.
    EspDropped,
    /// GRE with `GreNat::Drop`.
    GreDropped,
    /// A protocol the table cannot translate (AH, ICMP errors, ...).
    Unsupported,
    /// Every public port is taken.
    PortsExhausted,
}
