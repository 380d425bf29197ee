//! What a connectoid's dials leave behind for the report: every dial in
//! order (SCENARIOS.md, third round: `dials[]`), each attempt's result,
//! and how a connected call ended (`ended: {at_ms, reason}`).

use core::time::Duration;
use std::net::Ipv4Addr;

use crate::l2tp::{SessionDownReason, TunnelDownReason};
use crate::ppp::link::DownReason;
use crate::pptp::ControlDownReason;

/// How one attempt of a dial ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialOutcome {
    pub protocol: &'static str,
    pub time: Duration,
    /// RAS error code; `None` when connected.
    pub error: Option<u32>,
    /// PPP address when connected.
    pub address: Option<Ipv4Addr>,
    /// The attempts before this one, in order (an Automatic connectoid's
    /// failed L2TP before its PPTP).
    pub earlier: Vec<DialOutcome>,
}

impl DialOutcome {
    pub fn connected(&self) -> bool {
        self.error.is_none()
    }
}

/// Why a connected call ended, as the report names it (SCENARIOS.md,
/// third round: `user|peer|link-failure|idle|policy`). `Idle` and `Policy`
/// (RRAS's idle and session timeouts) are named by the contract; nothing
/// here ends a call for them yet. `expect.dials[].ended` names them too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    /// Our user hung up.
    User,
    /// The server ended it (LCP Terminate-Request, CDN, StopCCN, a PPTP
    /// disconnect).
    Peer,
    /// The path died: LCP echoes, L2TP HELLOs or PPTP echoes unanswered,
    /// the TCP connection lost.
    LinkFailure,
    Idle,
    Policy,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::User => "user",
            EndReason::Peer => "peer",
            EndReason::LinkFailure => "link-failure",
            EndReason::Idle => "idle",
            EndReason::Policy => "policy",
        }
    }

    /// PPP ended the link for `reason`.
    pub(super) fn of_ppp(reason: &DownReason) -> EndReason {
        match reason {
            DownReason::Closed => EndReason::User,
            DownReason::EchoTimeout | DownReason::NegotiationTimeout => EndReason::LinkFailure,
            _ => EndReason::Peer,
        }
    }

    /// The L2TP session under PPP went away for `reason`.
    pub(super) fn of_session(reason: &SessionDownReason) -> EndReason {
        match reason {
            SessionDownReason::Closed | SessionDownReason::TunnelDown(TunnelDownReason::Closed) => {
                EndReason::User
            }
            SessionDownReason::TunnelDown(TunnelDownReason::Timeout) => EndReason::LinkFailure,
            _ => EndReason::Peer,
        }
    }

    /// The PPTP call or its control connection went away.
    pub(super) fn of_pptp(control: Option<&ControlDownReason>) -> EndReason {
        match control {
            Some(ControlDownReason::EchoTimeout | ControlDownReason::ConnectionLost) => {
                EndReason::LinkFailure
            }
            _ => EndReason::Peer,
        }
    }
}

/// When and why a connected call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallEnd {
    pub at: Duration,
    pub reason: EndReason,
}

/// Where a dial stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialResult {
    /// Connected, or failed with its error (its last attempt's).
    Done(DialOutcome),
    /// No result yet when the run ended: the attempt under way and the
    /// failed ones before it.
    UnderWay {
        protocol: &'static str,
        earlier: Vec<DialOutcome>,
    },
}

/// One dial of the connectoid: the scenario's, or a timeline `dial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialRecord {
    /// When it was dialled.
    pub at: Duration,
    pub result: DialResult,
    /// `None` while the call is up, or when it never connected.
    pub ended: Option<CallEnd>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_path_is_a_link_failure_and_a_stopccn_the_peer() {
        assert_eq!(
            EndReason::of_session(&SessionDownReason::TunnelDown(TunnelDownReason::Timeout)),
            EndReason::LinkFailure
        );
        let stop = TunnelDownReason::StopCcn {
            result: 1,
            error: None,
            message: None,
        };
        assert_eq!(
            EndReason::of_session(&SessionDownReason::TunnelDown(stop)),
            EndReason::Peer
        );
        assert_eq!(EndReason::of_ppp(&DownReason::Closed), EndReason::User);
        assert_eq!(
            EndReason::of_ppp(&DownReason::EchoTimeout),
            EndReason::LinkFailure
        );
        assert_eq!(
            EndReason::of_ppp(&DownReason::PeerTerminated),
            EndReason::Peer
        );
        assert_eq!(
            EndReason::of_pptp(Some(&ControlDownReason::ConnectionLost)),
            EndReason::LinkFailure
        );
        assert_eq!(EndReason::of_pptp(None), EndReason::Peer);
        assert_eq!(EndReason::LinkFailure.as_str(), "link-failure");
    }
}
