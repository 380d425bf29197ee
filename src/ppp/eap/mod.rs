//! EAP over PPP (RFC 3748; LCP Authentication-Protocol C227, RFC 3748
//! 2.1) with EAP-TLS (RFC 5216, RFC 2716), sans-IO beside `chap.rs`
//! (issue 23). So far the EAP-TLS fragmenting and reassembly both ends
//! share; the authenticator's and the peer's exchanges come next.

pub mod fragment;
