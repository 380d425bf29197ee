//! Cryptographic primitives: MS-CHAPv2 (RFC 2759), MPPE keys and RC4 (RFC
//! 3078, 3079), IKEv1 key derivation, MODP Diffie-Hellman, CBC ciphers and
//! HMAC-96 (RFC 2409, 2451, 3602, 2403, 2404), and per-scenario X.509
//! certificates. Pure functions, no state beyond what a caller holds.

pub mod cbc;
pub mod dh;
pub mod ecp;
pub mod error;
pub mod ike_keys;
pub mod integ;
pub mod mppe;
pub mod mschapv2;
pub mod pki;
