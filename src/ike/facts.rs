//! Where a failed negotiation stood when it failed: what the audits of
//! Vista and later report beside the reason (4653's State, role and
//! cookies, 4654's message id and selectors; the Security-Auditing
//! provider's fields, sources in `windows/catalog/audits.rs`).

use std::net::{Ipv4Addr, SocketAddrV4};

use super::state::{MmState, QmState};
use super::{Ike, MmAuth, Mode};

/// The exchange a failure belongs to, as this side saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedExchange {
    /// The IKE endpoints (port 500, or 4500 once NAT-T floated).
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub initiator: bool,
    pub icookie: [u8; 8],
    /// Zero until the responder answered.
    pub rcookie: [u8; 8],
    /// The Main Mode authentication, once the proposals agreed on one.
    pub auth: Option<MmAuth>,
    /// How many messages of the failed exchange this side had sent: the
    /// audits' State ("Sent first (SA) payload" is 1).
    pub sent: u8,
    /// Quick Mode only: its message id and traffic selectors (this
    /// side's, the peer's).
    pub quick: Option<QuickFacts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuickFacts {
    pub message_id: u32,
    /// The policy rule it negotiates for.
    pub rule: usize,
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
}

impl Ike {
    /// The newest exchange with `peer` in `mode`; none when the failure
    /// came before any message (no policy, nothing offered).
    pub(super) fn failed_exchange(&self, peer: Ipv4Addr, mode: Mode) -> Option<FailedExchange> {
        let main = self.mains.iter().rev().find(|m| m.peer() == peer)?;
        let mut facts = FailedExchange {
            local: main.local,
            remote: main.remote,
            initiator: main.initiator,
            icookie: main.icookie,
            rcookie: main.rcookie,
            auth: main.offer.map(|o| o.auth),
            sent: match main.state {
                MmState::I1 | MmState::R2 => 1,
                MmState::I3 | MmState::R4 => 2,
                MmState::I5 | MmState::Up => 3,
                MmState::Dead => 0,
            },
            quick: None,
        };
        if mode == Mode::Quick {
            let q = self
                .quicks
                .iter()
                .rev()
                .find(|q| q.peer == peer && q.icookie == main.icookie)?;
            facts.initiator = q.initiator;
            facts.sent = match q.state {
                QmState::I1 | QmState::R2 => 1,
                QmState::Done => 0,
            };
            facts.quick = Some(QuickFacts {
                message_id: q.message_id,
                rule: q.rule,
                local: q.local_id,
                remote: q.remote_id,
            });
        }
        Some(facts)
    }
}
