//! Why a connected call ended, from the side that saw it: the client's
//! dial record and RRAS's disconnection event share these reasons.

use crate::l2tp::{SessionDownReason, TunnelDownReason};
use crate::ppp::link::DownReason;
use crate::pptp::ControlDownReason;

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
    pub fn of_ppp(reason: &DownReason) -> EndReason {
        match reason {
            DownReason::Closed => EndReason::User,
            DownReason::EchoTimeout | DownReason::NegotiationTimeout => EndReason::LinkFailure,
            _ => EndReason::Peer,
        }
    }

    /// The L2TP session under PPP went away for `reason`.
    pub fn of_session(reason: &SessionDownReason) -> EndReason {
        match reason {
            SessionDownReason::Closed | SessionDownReason::TunnelDown(TunnelDownReason::Closed) => {
                EndReason::User
            }
            SessionDownReason::TunnelDown(TunnelDownReason::Timeout) => EndReason::LinkFailure,
            _ => EndReason::Peer,
        }
    }

    /// The PPTP call or its control connection went away.
    pub fn of_pptp(control: Option<&ControlDownReason>) -> EndReason {
        match control {
            Some(ControlDownReason::EchoTimeout | ControlDownReason::ConnectionLost) => {
                EndReason::LinkFailure
            }
            _ => EndReason::Peer,
        }
    }
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
