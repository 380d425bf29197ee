//! IPsec below the stack, the way the Windows XP / Server 2003 IPsec driver
//! does it (WINDOWS.md 4-5): a filter list from the policy agent, ESP in
//! transport mode (RFC 4303) with SAs negotiated by IKE, per-peer failure
//! counts reported as System events 4283-4286.
//!
//! `sa` holds the keys (`SaParams`) and ESP sealing/opening (`EspSa`),
//! `spd` the filters, `events` the event aggregation, `driver` the packet
//! path. The ESP byte layout is `crate::wire::esp`.

pub mod driver;
pub mod error;
pub mod events;
pub mod sa;
pub mod spd;
pub mod udp_encap;

pub use driver::{Counters, Driver, DropReason, Inbound, Install, Outbound, SaInfo};
pub use error::EspError;
pub use events::DriverEvent;
pub use sa::{EspSa, SaParams};
pub use spd::{AddrMatch, Filter, FilterAction};
