//! PPTP on a Windows machine (WINDOWS.md 7): what the PPTP calls report
//! goes to the RAS client or the RRAS server; RRAS answers a call by its
//! free PPTP ports.

use core::time::Duration;

use super::super::carrier::Carrier;
use super::super::config::{Edition, MachineConfig};
use super::super::pptp_calls::CallEvent;
use super::super::server::Protection;
use super::WindowsMachine;
use crate::pptp::PptpConfig;

/// What a Windows machine says of itself in Start-Control-Connection
/// [MODEL: the computer name, "Microsoft", the build number as firmware
/// revision (XP 2600, Server 2003 3790) and a 64-packet window; Windows'
/// own values are not in our sources].
pub(super) fn config(config: &MachineConfig) -> PptpConfig {
    PptpConfig {
        host_name: config.name.clone(),
        vendor_name: "Microsoft".into(),
        firmware_revision: if config.edition == Edition::RrasServer {
            3790
        } else {
            2600
        },
        receive_window: 64,
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
            CallEvent::CallDown | CallEvent::ControlDown(_) => s.handle_call_down(carrier),
            CallEvent::Unreachable | CallEvent::CallRefused { .. } => {}
        }
    }
}
