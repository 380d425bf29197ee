//! The client's PPTP attempt (WINDOWS.md 7) and the Automatic
//! connectoid's fallback from one tunnel to the next of its row's order
//! (claim A14: L2TP, then PPTP).
//!
//! The control connection and the call come first (TCP 1723, then GRE);
//! PPP runs on the call as on an L2TP session. TCP 1723 unanswered, or
//! the control connection or call refused or lost before PPP, ends the
//! attempt with the row's tunnel timeout (800 [MODEL]); GRE never
//! answered ends PPP's LCP with 721.

use core::time::Duration;

use super::super::carrier::Carrier;
use super::super::config::VpnType;
use super::super::pptp_calls::CallEvent;
use super::super::rras::TunnelType;
use super::record::EndReason;
use super::{protocol_name, ClientAction, Phase, RasClient};

impl RasClient {
    /// Starts the PPTP attempt: the machine connects to TCP 1723.
    pub(super) fn start_pptp(&mut self) {
        self.attempt = TunnelType::Pptp;
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
            None => self.fail(now, self.version.ras_errors.tunnel_timeout),
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
                let control = match event {
                    CallEvent::ControlDown(r) => Some(r),
                    _ => None,
                };
                self.note_end(now, EndReason::of_pptp(control));
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
                self.fail(now, self.version.ras_errors.tunnel_timeout);
            }
            CallEvent::ControlDown(_) => self.pptp_call = None,
            _ => {}
        }
    }

    /// An Automatic connectoid whose attempt has failed tries the next
    /// tunnel of its row's order at once, unless the error is one of the
    /// row's final ones (claim A14).
    pub(super) fn fall_back(&mut self, now: Duration) {
        // A next attempt may fail at once (no certificate): try on.
        while let Some(next) = self.next_attempt() {
            let Some(mut failed) = self.outcome.take() else {
                return;
            };
            self.earlier = std::mem::take(&mut failed.earlier);
            self.earlier.push(failed);
            self.drop_link();
            match next {
                TunnelType::Pptp => self.start_pptp(),
                TunnelType::L2tp => self.start_l2tp(now),
            }
        }
    }

    /// The tunnel an Automatic dial that just failed tries next, if any.
    fn next_attempt(&self) -> Option<TunnelType> {
        let automatic = &self.version.automatic;
        let failed = self.outcome.as_ref()?;
        let error = failed.error?;
        if self.dial.vpn_type != VpnType::Automatic
            || self.phase != Phase::Ended
            || automatic.final_errors.contains(&error)
        {
            return None;
        }
        // Those not tried yet, in order: a dial that began with a
        // remembered tunnel tries the others after it.
        let tried = |t: &TunnelType| {
            *t == self.attempt
                || failed
                    .earlier
                    .iter()
                    .any(|e| e.protocol == protocol_name(*t))
        };
        automatic.order.iter().copied().find(|t| !tried(t))
    }
}
