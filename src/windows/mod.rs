//! The Windows machine model (WINDOWS.md): the XP RAS client, the Server
//! 2003 RRAS server, their event logs, IP Security Monitor, and the message
//! catalog every text comes from.

// Leaves: texts, logs, data.
pub mod catalog;
mod catalog_entries;
pub mod config;
pub mod diagnostics;
pub mod errors;
pub mod eventlog;
pub mod monitor;
pub mod rras;
pub mod stack;
// Components, each sans-IO and unaware of its siblings.
pub mod client;
pub mod ipsec;
pub mod server;
// The composition.
pub mod machine;

pub use catalog::Locale;
pub use config::MachineConfig;
pub use machine::WindowsMachine;

#[cfg(test)]
mod lab_tests;
