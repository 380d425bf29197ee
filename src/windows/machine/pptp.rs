//! PPTP on a Windows machine (WINDOWS.md 7): what the PPTP calls report
//! goes to the RAS client or the RRAS server; RRAS answers a call by its
//! free PPTP ports.

use core::time::Duration;

use super::super::carrier::Carrier;
use super::super::client::EndReason;
use super::super::config::MachineConfig;
use super::super::pptp_calls::CallEvent;
use super::super::server::Protection;
use super::WindowsMachine;
use crate::pptp::PptpConfig;

/// What a Windows machine says of itself in Start-Control-Connection: its
/// computer name and its version's PPTP identity.
pub(super) fn config(config: &MachineConfig) -> PptpConfig {
    let pptp = &config.edition.profile().pptp;
    PptpConfig {
        host_name: pptp.host_name.of(&config.name),
        vendor_name: pptp.vendor.into(),
        firmware_revision: pptp.firmware,
        receive_window: pptp.receive_window,
    }
}

impl WindowsMachine {
    pub(super) fn on_pptp_event(&mut self, now: Duration, call: u16, event: CallEvent) {
        if let Some(c) = self.client.as_mut() {
            c.handle_pptp_event(now, call, &event);
        }
        let Some(s) = self.server.as_mut() else {
            return;
        };
        let carrier = Carrier::Pptp(call);
        match event {
            CallEvent::CallRequested { .. } => {
                let accept = s.pptp_port_free();
                self.pptp.answer(now, call, accept);
            }
            // PPTP carries no IPsec: PPP's MPPE is the encryption.
            CallEvent::CallUp { peer, local } => {
                s.handle_call_up(now, carrier, peer, local, Protection::Clear)
            }
            CallEvent::PppFrame(frame) => s.handle_ppp_frame(now, carrier, &frame),
            CallEvent::CallDown => s.handle_call_down(now, carrier, EndReason::of_pptp(None)),
            CallEvent::ControlDown(reason) => {
                s.handle_call_down(now, carrier, EndReason::of_pptp(Some(&reason)))
            }
            CallEvent::Unreachable | CallEvent::CallRefused { .. } => {}
        }
    }
}
