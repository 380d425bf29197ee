//! l2tpsec's simulated Windows machines against real peers (issue 10,
//! DESIGN.md "A real-network driver"). The same `WindowsMachine` the
//! simulator runs is driven here by the wall clock, reading and writing raw
//! IPv4 packets on a TUN device inside a network namespace, so strongSwan's
//! charon, xl2tpd and pppd in that namespace talk to it as to a real host.
//!
//! This is a third engine beside the simulator's two, and no scenario test
//! uses it: `cargo test` needs neither root nor the peers (`tests/` skip
//! when they are missing).

#![forbid(unsafe_code)]

pub mod dial;
pub mod drive;
pub mod export;
pub mod link;
pub mod peer;
pub mod scenario;
