//! The client's L2TP attempt: RASMAN's IPsec policy and IKE first (claim
//! A6), then the L2TP tunnel and session that PPP runs on.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::super::carrier::Carrier;
use super::super::ipsec::IpsecOutcome;
use super::record::EndReason;
use super::{ClientAction, Phase, RasClient, STOPCCN_GENERAL};
use crate::l2tp::{Event as L2tpEvent, TunnelHandle};

impl RasClient {
    /// The machine's answer to `ApplyL2tpPolicy`: false when the policy
    /// agent could not take it (WINDOWS.md 5: 789 before any packet, the
    /// row's `ike.general_processing`).
    pub fn handle_policy_result(&mut self, now: Duration, applied: bool) {
        if self.phase != Phase::Ipsec {
            return;
        }
        if applied {
            self.over_ipsec = true;
            self.actions.push_back(ClientAction::AcquireSa {
                server: self.dial.server,
            });
        } else {
            self.fail(now, self.version.ras_errors.ike.general_processing);
        }
        self.fall_back(now);
    }

    /// The machine opened the control connection `ConnectL2tp` asked for.
    pub fn handle_tunnel_opened(&mut self, tunnel: TunnelHandle) {
        self.tunnel = Some(tunnel);
    }

    /// How IKE with `peer` ended.
    pub fn handle_ipsec(&mut self, now: Duration, peer: Ipv4Addr, outcome: IpsecOutcome) {
        if self.phase != Phase::Ipsec || peer != self.dial.server {
            return;
        }
        match outcome {
            IpsecOutcome::Up => self.connect_l2tp(),
            IpsecOutcome::Failed(code) => self.fail(now, code),
        }
        self.fall_back(now);
    }

    pub fn handle_l2tp_event(&mut self, now: Duration, event: &L2tpEvent) {
        match event {
            L2tpEvent::SessionUp { session, tunnel }
                if self.phase == Phase::Tunnel && self.tunnel == Some(*tunnel) =>
            {
                self.open_link(now, Carrier::L2tp(*session));
            }
            L2tpEvent::PppFrame { session, frame }
                if self.carrier() == Some(Carrier::L2tp(*session)) =>
            {
                if let Some(link) = self.link.as_mut() {
                    link.handle_frame(now, frame);
                }
                self.drain_link(now);
            }
            L2tpEvent::SessionDown { session, reason }
                if self.carrier() == Some(Carrier::L2tp(*session)) =>
            {
                self.note_end(now, EndReason::of_session(reason));
                // PPP learns that its lower layer is gone.
                if let Some(link) = self.link.as_mut() {
                    link.lower_down(now);
                }
                self.drain_link(now);
                self.call_over(now, Carrier::L2tp(*session), None);
            }
            // The LNS refused our call (CDN to the ICRQ: every port busy,
            // RFC 2661 4.4.2 result 2 error 4): the dial fails with the
            // error a refused PPTP call gives [MODEL: which RAS error
            // Windows maps a CDN before the call is up to is not
            // documented], and the tunnel, now without a call, goes.
            L2tpEvent::SessionDown { session, .. }
                if self.phase == Phase::Tunnel && self.tunnel == Some(session.tunnel()) =>
            {
                if let Some(tunnel) = self.tunnel.take() {
                    self.actions.push_back(ClientAction::CloseTunnel {
                        tunnel,
                        result: STOPCCN_GENERAL,
                    });
                }
                self.fail(now, self.version.ras_errors.tunnel_timeout);
            }
            L2tpEvent::TunnelDown { tunnel, .. } if self.tunnel == Some(*tunnel) => {
                // The LNS never answered SCCRQ, or ended the tunnel before
                // PPP ran [MODEL]: 800.
                self.tunnel = None;
                if self.phase == Phase::Tunnel {
                    self.fail(now, self.version.ras_errors.tunnel_timeout);
                }
            }
            L2tpEvent::TunnelClosed { tunnel } if self.closing == Some(*tunnel) => {
                self.closing = None;
                if self.phase == Phase::Ended && self.over_ipsec {
                    self.over_ipsec = false;
                    self.actions.push_back(ClientAction::RemoveL2tpPolicy);
                }
            }
            _ => {}
        }
        self.fall_back(now);
    }

    pub(super) fn connect_l2tp(&mut self) {
        self.actions.push_back(ClientAction::ConnectL2tp {
            server: SocketAddrV4::new(self.dial.server, crate::wire::l2tp::UDP_PORT),
        });
        self.phase = Phase::Tunnel;
    }
}
