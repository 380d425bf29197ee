//! Cryptographic primitives of the PPP layer: MS-CHAPv2 (RFC 2759) and the
//! MPPE key derivation and RC4 cipher (RFC 3078, RFC 3079). Pure functions,
//! no state beyond what a caller holds.

pub mod mppe;
pub mod mschapv2;
