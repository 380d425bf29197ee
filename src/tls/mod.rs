//! TLS as the EAP-TLS of XP and Server 2003 speaks it (issue 23): TLS 1.0
//! (RFC 2246) with RSA key exchange, written sans-IO like the other
//! protocols here, since no well-kept Rust crate speaks TLS 1.0. So far
//! the key schedule (`prf`: the PRF, the master secret, the key block,
//! Finished and the MPPE keys EAP-TLS derives from it), the record and
//! handshake framing (`record`), the handshake bodies (`handshake`) and
//! record protection for the suites of the era (`protect`) and the RSA
//! key exchange (`rsa_kx`), tied together per connection in `session`.

pub mod error;
pub mod handshake;
pub mod prf;
pub mod protect;
pub mod record;
pub mod rsa_kx;
pub mod session;

pub use error::TlsError;
