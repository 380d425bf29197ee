//! What the report and the run invariants read of a machine: its dial
//! result, event logs, IP Security Monitor, keys, views and diagnostics.

use std::net::Ipv4Addr;

use super::super::audit::{self, Audit, ServerAudit};
use super::super::client::{DialOutcome, DialRecord, RasClient};
use super::super::diagnostics::{Diagnostics, Layer};
use super::super::eventlog::Event;
use super::super::monitor::IpsecMonitor;
use super::super::stack::StackCounters;
use super::super::version::DiagnosticCommands;
use super::WindowsMachine;

impl WindowsMachine {
    /// The dial result, once the connectoid has one.
    pub fn dial_outcome(&self) -> Option<&DialOutcome> {
        self.client.as_ref().and_then(RasClient::outcome)
    }

    /// Every dial of the connectoid, in order (none on a server).
    pub fn dials(&self) -> Vec<DialRecord> {
        self.client.as_ref().map_or_else(Vec::new, RasClient::dials)
    }

    /// Echo replies the client's test pings got back through the tunnel.
    pub fn ping_replies(&self) -> u16 {
        self.client.as_ref().map_or(0, RasClient::ping_replies)
    }

    /// True when this machine has nothing left to do for the run to end:
    /// a client whose dial has a result and whose test traffic is done.
    pub fn finished(&self) -> bool {
        self.client.as_ref().is_none_or(RasClient::finished)
    }

    pub fn events(&self) -> &[Event] {
        self.logs.entries()
    }

    pub fn monitor(&self) -> IpsecMonitor {
        self.ipsec.monitor()
    }

    /// tshark `-o` lines for the IKE and ESP keys this machine negotiated.
    pub fn keys(&self) -> &[String] {
        self.ipsec.keys()
    }

    /// What the run invariants read of this machine (DESIGN.md).
    pub fn audit(&self) -> Audit {
        let server = self.server.as_ref().map(|s| ServerAudit {
            calls: s.active_calls(),
            leased: s.leased_addresses(),
            l2tp_sessions: self.l2tp.session_count(),
            pptp_calls: self.pptp.calls_up(),
        });
        audit::audit(&self.ipsec, &self.sent, self.events(), server)
    }

    /// RRAS calls holding a port, and the pool addresses they hold.
    pub fn server_calls(&self) -> (usize, Vec<Ipv4Addr>) {
        self.server.as_ref().map_or((0, Vec::new()), |s| {
            (s.active_calls(), s.leased_addresses())
        })
    }

    /// L2TP tunnels this machine still knows (held after StopCCN included).
    pub fn l2tp_tunnels(&self) -> usize {
        self.l2tp.tunnel_count()
    }

    /// What the diagnostic commands print now: (command, output).
    pub fn views(&self) -> Vec<(String, String)> {
        let mut views = Vec::new();
        match self.config.edition.profile().diagnostic_commands {
            DiagnosticCommands::Netdiag => views.extend(self.xp_views()),
            DiagnosticCommands::Advfirewall => views.extend([
                (
                    "netsh advfirewall monitor show mmsa".into(),
                    self.ipsec.netsh_mmsa(),
                ),
                (
                    "netsh advfirewall monitor show qmsa".into(),
                    self.ipsec.netsh_qmsa(),
                ),
            ]),
        }
        if let Some(s) = &self.server {
            views.push(("Routing and Remote Access: Ports".into(), s.ports_view()));
        }
        views
    }

    fn xp_views(&self) -> Vec<(String, String)> {
        vec![
            (
                "netdiag /test:ipsec /v /debug".into(),
                if self.config.administrator {
                    self.ipsec.netdiag()
                } else {
                    super::super::ipsec::netdiag_without_admin()
                },
            ),
            (
                "netsh int ip show offload".into(),
                self.ipsec.netsh_offload("Local Area Connection"),
            ),
        ]
    }

    /// Everything this machine's stacks rejected or ignored, by layer.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut d = self.diagnostics.clone();
        let StackCounters {
            malformed,
            not_for_us,
            no_route,
            unhandled,
        } = self.stack.counters;
        d.add(Layer::Ip, "malformed packet", malformed);
        d.add(Layer::Ip, "not addressed to this machine", not_for_us);
        d.add(Layer::Ip, "no route", no_route);
        d.add(Layer::Ip, "no listener for protocol or port", unhandled);
        if let Some(c) = &self.client {
            let c = c.counters();
            d.add(
                Layer::Ras,
                "dial while connected or dialling",
                c.dial_while_busy,
            );
            d.add(Layer::Ppp, "IP packet refused by the link", c.send_refused);
            add_link(&mut d, c.ppp);
        }
        if let Some(s) = &self.server {
            let s = s.counters();
            d.add(Layer::Ppp, "frame for an unknown call", s.unknown_session);
            d.add(Layer::Ppp, "IP packet refused by the link", s.send_refused);
            add_link(&mut d, s.ppp);
        }
        d.add(
            Layer::Ike,
            "duplicate left to the retransmission timer",
            self.ipsec.ike_duplicates_ignored(),
        );
        for (what, n) in self.ipsec.driver_drops() {
            d.add(Layer::Ipsec, what, n);
        }
        for (what, n) in self.pptp.refusals() {
            d.add(Layer::Pptp, *what, *n);
        }
        d.add(
            Layer::Tcp,
            "address TCP cannot listen on (beyond eight)",
            self.pptp.tcp_addresses_refused(),
        );
        d
    }
}

fn add_link(d: &mut Diagnostics, c: crate::ppp::link::LinkCounters) {
    d.add(Layer::Ppp, "malformed frame", c.malformed_frames);
    d.add(Layer::Ppp, "control packet refused", c.refused_packets);
    d.add(Layer::Ppp, "packet outside its phase", c.out_of_phase);
}
