//! The Windows machine model (WINDOWS.md): the XP RAS client, the Server
//! 2003 RRAS server, their event logs, IP Security Monitor, and the message
//! catalog every text comes from.

pub mod catalog;
mod catalog_entries;
pub mod client;
pub mod config;
pub mod eventlog;
pub mod ipsec;
pub mod machine;
pub mod monitor;
pub mod rras;
pub mod server;

pub use catalog::Locale;
pub use config::MachineConfig;
pub use machine::WindowsMachine;

#[cfg(test)]
mod lab_tests;
