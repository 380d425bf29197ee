//! The client's PPTP attempt (WINDOWS.md 7) and the Automatic
//! connectoid's fallback to it after L2TP (claim A14).
//!
//! The control connection and the call come first (TCP 1723, then GRE);
//! PPP runs on the call as on an L2TP session. TCP 1723 unanswered, or
//! the control connection or call refused or lost before PPP, ends the
//! attempt with 800 [MODEL]; GRE never answered ends PPP's LCP with 721.

use core::time::Duration;

use super::super::carrier::Carrier;
use super::super::config::VpnType;
use super::super::errors::code;
use super::super::pptp_calls::CallEvent;
use super::{Attempt, ClientAction, Phase, RasClient};

impl RasClient {
    /// Starts the PPTP attempt: the machine connects to TCP 1723.
    pub(super) fn start_pptp(&mut self) {
        self.attempt = Attempt::Pptp;
        // PPTP has no IPsec: PPP negotiates MPPE (WINDOWS.md 7).
        self.over_ipsec = false;
        self.heard_peer = false;
        self.phase = Phase::PptpCall;
        self.actions.push_back(ClientAction::ConnectPptp {
            server: self.dial.server,
        });
    }

    /// The machine's answer to `ConnectPptp`: our call id, or `None` when
    /// TCP could not even try.
    pub fn handle_pptp_opened(&mut self, now: Duration, call: Option<u16>) {
        if self.phase != Phase::PptpCall {
            return;
        }
        match call {
            Some(call) => self.pptp_call = Some(call),
            None => self.fail(now, code::VPN_TIMEOUT),
        }
    }

    /// What happened to PPTP call `call`.
    pub fn handle_pptp_event(&mut self, now: Duration, call: u16, event: &CallEvent) {
        if self.pptp_call != Some(call) {
            return;
        }
        let carrier = Carrier::Pptp(call);
        match event {
            CallEvent::CallUp { .. } if self.phase == Phase::PptpCall => {
                self.open_link(now, carrier);
            }
            CallEvent::PppFrame(frame) if self.carrier() == Some(carrier) => {
                self.heard_peer = true;
                if let Some(link) = self.link.as_mut() {
                    link.handle_frame(now, frame);
                }
                self.drain_link(now);
            }
            CallEvent::CallDown | CallEvent::ControlDown(_) if self.carrier() == Some(carrier) => {
                if let Some(link) = self.link.as_mut() {
                    link.lower_down(now);
                }
                self.drain_link(now);
                self.pptp_call = None;
                self.call_over(now, carrier, None);
            }
            CallEvent::Unreachable
            | CallEvent::CallRefused { .. }
            | CallEvent::CallDown
            | CallEvent::ControlDown(_)
                if self.phase == Phase::PptpCall =>
            {
                if matches!(event, CallEvent::Unreachable | CallEvent::ControlDown(_)) {
                    self.pptp_call = None;
                }
                self.fail(now, code::VPN_TIMEOUT);
            }
            CallEvent::ControlDown(_) => self.pptp_call = None,
            _ => {}
        }
    }

    /// An Automatic connectoid whose L2TP attempt has failed tries PPTP
    /// at once, unless PPTP would fail the same way or the user ended it
    /// [MODEL: KB 314831 and WINDOWS.md 7 name the IKE timeout; which
    /// other errors Windows retries on is not documented].
    pub(super) fn fall_back(&mut self) {
        if self.dial.vpn_type != VpnType::Automatic
            || self.attempt != Attempt::L2tp
            || self.phase != Phase::Ended
        {
            return;
        }
        let Some(mut failed) = self
            .outcome
            .take_if(|o| o.error.is_some_and(tries_pptp_after))
        else {
            return;
        };
        self.earlier = std::mem::take(&mut failed.earlier);
        self.earlier.push(failed);
        self.drop_link();
        self.start_pptp();
    }
}

/// The L2TP errors after which an Automatic connectoid tries PPTP: all but
/// the user's hang-up, an unreachable server, and what PPP decided
/// (authentication, permission, encryption), which PPTP would meet again.
fn tries_pptp_after(error: u32) -> bool {
    !matches!(
        error,
        code::USER_DISCONNECTION
            | code::UNREACHABLE
            | code::AUTHENTICATION_FAILURE
            | code::NO_DIALIN_PERMISSION
            | code::REMOTE_REQUIRE_ENCRYPTION
            | code::SERVER_IDENTITY
    )
}
