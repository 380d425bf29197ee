//! The two Windows machines of the standard lab (`scenarios/base/
//! standard.yaml`: an XP client dialling an RRAS server), wired back to
//! back: every packet one transmits is handed to the other, and timers fire
//! in time order. No `Simulation`: the gateway between them forwards
//! unchanged, so it is left out, and the machines are cheap to clone.
//!
//! The configurations are the runner's own (`run::machine_configs`) for the
//! shipped `l2tp-ipsec-connect` (`base/ipsec.yaml`: machine certificates
//! from "Corp Root CA"), `l2tp-cleartext-connect` (`base/cleartext.yaml`:
//! ProhibitIpSec 1 on both ends) and `pptp-connect`, with their seeds.

use std::net::Ipv4Addr;
use std::time::Duration;

use l2tpsec::net::Machine;
use l2tpsec::windows::config::MachineConfig;
use l2tpsec::windows::WindowsMachine;

pub const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
pub const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);

/// Which side of the lab sent a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// How PPP is carried: L2TP inside IPsec (the Windows default), L2TP in
/// the clear, or PPTP (TCP 1723 and GRE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carriage {
    Ipsec,
    Cleartext,
    Pptp,
}

#[derive(Clone)]
pub struct Lab {
    pub client: WindowsMachine,
    pub server: WindowsMachine,
    pub now: Duration,
}

impl Lab {
    pub fn new(carriage: Carriage) -> Lab {
        let (client, server) = configs(carriage);
        Lab {
            client: WindowsMachine::new(client),
            server: WindowsMachine::new(server),
            now: Duration::ZERO,
        }
    }

    /// Moves packets and fires timers until `stop` is true of a packet
    /// just delivered (true is returned) or nothing is due before `limit`.
    pub fn run_until(
        &mut self,
        limit: Duration,
        mut stop: impl FnMut(Side, &[u8]) -> bool,
    ) -> bool {
        loop {
            let mut moved = false;
            while let Some(t) = self.client.poll_transmit() {
                self.server.handle_packet(self.now, 0, &t.packet);
                moved = true;
                if stop(Side::Client, &t.packet) {
                    return true;
                }
            }
            while let Some(t) = self.server.poll_transmit() {
                self.client.handle_packet(self.now, 0, &t.packet);
                moved = true;
                if stop(Side::Server, &t.packet) {
                    return true;
                }
            }
            if moved {
                continue;
            }
            let due = [self.client.poll_timeout(), self.server.poll_timeout()];
            let Some(next) = due.into_iter().flatten().min() else {
                return false;
            };
            if next > limit {
                return false;
            }
            self.now = self.now.max(next);
            for (m, t) in [(&mut self.client, due[0]), (&mut self.server, due[1])] {
                if t.is_some_and(|t| t <= self.now) {
                    m.handle_timeout(self.now);
                }
            }
        }
    }
}

/// Client and server configurations of the standard lab, as the runner
/// lowers the shipped scenario.
pub fn configs(carriage: Carriage) -> (MachineConfig, MachineConfig) {
    let name = match carriage {
        Carriage::Ipsec => "l2tp-ipsec-connect",
        Carriage::Cleartext => "l2tp-cleartext-connect",
        Carriage::Pptp => "pptp-connect",
    };
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    // Shipped scenarios load and lower: anything else is a bug here.
    let configs = crate::scenario::load::load_file(&dir.join(format!("{name}.yaml")), &dir)
        .map_err(|e| e.to_string())
        .and_then(|s| crate::run::machine_configs(&s, s.seed).map_err(|e| e.to_string()));
    let mut configs = match configs {
        Ok(c) => c.into_iter(),
        Err(e) => panic!("the fuzz lab's scenario {name}: {e}"),
    };
    match (configs.next(), configs.next()) {
        (Some((_, client)), Some((_, server))) => (client, server),
        _ => panic!("the fuzz lab's scenario {name} needs a client and a server"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_to_back_lab_connects_with_ipsec_in_the_clear_and_over_pptp() {
        for carriage in [Carriage::Ipsec, Carriage::Cleartext, Carriage::Pptp] {
            let mut lab = Lab::new(carriage);
            lab.run_until(Duration::from_secs(60), |_, _| false);
            let outcome = lab.client.dial_outcome().map(|o| o.connected());
            assert_eq!(outcome, Some(true), "{carriage:?}");
        }
    }
}
