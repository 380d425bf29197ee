//! Fuzz targets (`fuzz/`, `just fuzz TARGET`): one function per target,
//! which must not panic on any input. The cargo-fuzz binaries call these,
//! and `tests/fuzz_regressions.rs` replays the seeds and every crash input
//! kept under `fuzz/regressions/<target>/`.
//!
//! Parser targets check the round trip parse(emit(parse(x))) = parse(x)
//! (`parsers`); machine targets feed packets to the RRAS server of a
//! back-to-back lab stopped mid-handshake (`machines`, `lab`; PPTP's
//! control connection and GRE in `pptp_points`).

pub mod lab;
mod machines;
mod parsers;
mod pptp_points;
pub mod seeds;

pub use machines::{ike_after_mm3, join, lns_after_sccrq, ppp_after_lcp_open, split};
pub use parsers::{capture, esp, gre, isakmp, l2tp, mschapv2, ppp, pptp, scenario};
pub use pptp_points::{gre_after_call_up, pac_after_sccrq};

/// A target by its name, as `fuzz/fuzz_targets/<name>.rs` and the
/// regression folders name it.
pub type Target = fn(&[u8]);

/// Every target, by name.
pub const TARGETS: [(&str, Target); 14] = [
    ("isakmp", isakmp),
    ("esp", esp),
    ("l2tp", l2tp),
    ("ppp", ppp),
    ("mschapv2", mschapv2),
    ("pptp", pptp),
    ("gre", gre),
    ("scenario", scenario),
    ("capture", capture),
    ("ike_after_mm3", ike_after_mm3),
    ("lns_after_sccrq", lns_after_sccrq),
    ("ppp_after_lcp_open", ppp_after_lcp_open),
    ("pac_after_sccrq", pac_after_sccrq),
    ("gre_after_call_up", gre_after_call_up),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
