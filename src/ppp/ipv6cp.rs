//! The IPV6CP option policy (RFC 5072): the Windows client from Vista on
//! negotiates an interface identifier for IPv6 beside IPCP (pfSense's log
//! of a Windows client, WINDOWS.md 10). Neither the lab's RRAS nor the
//! peers it meets route IPv6 over the link: they Protocol-Reject IPV6CP
//! (RFC 1661 5.7) and the link runs IPv4 alone, which is what a link whose
//! IPV6CP never opens means to Windows too.

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use super::fsm::{Policy, Progress, Verdict};
use crate::wire::ppp::ipv6cp::Ipv6cpOption;

#[derive(Clone, Debug)]
pub struct Ipv6cpPolicy {
    rng: ChaCha20Rng,
    /// Ours, nonzero (RFC 5072 4.1).
    identifier: [u8; 8],
    send_identifier: bool,
    peer_identifier: Option<[u8; 8]>,
}

impl Ipv6cpPolicy {
    pub fn new(mut rng: ChaCha20Rng) -> Self {
        let identifier = nonzero_identifier(&mut rng);
        Ipv6cpPolicy {
            rng,
            identifier,
            send_identifier: true,
            peer_identifier: None,
        }
    }

    pub fn identifier(&self) -> [u8; 8] {
        self.identifier
    }

    pub fn peer_identifier(&self) -> Option<[u8; 8]> {
        self.peer_identifier
    }
}

/// RFC 5072 4.1: an identifier of zero is not valid.
fn nonzero_identifier(rng: &mut ChaCha20Rng) -> [u8; 8] {
    loop {
        let mut id = [0u8; 8];
        rng.fill_bytes(&mut id);
        if id != [0; 8] {
            return id;
        }
    }
}

impl Policy for Ipv6cpPolicy {
    type Opt = Ipv6cpOption;

    fn request(&mut self) -> Vec<Ipv6cpOption> {
        self.send_identifier
            .then_some(Ipv6cpOption::InterfaceIdentifier(self.identifier))
            .into_iter()
            .collect()
    }

    fn judge(&mut self, opt: &Ipv6cpOption) -> Verdict<Ipv6cpOption> {
        match opt {
            // RFC 5072 4.1: zero or our own value gets a Nak with one that
            // differs from ours.
            Ipv6cpOption::InterfaceIdentifier(id) if *id == [0; 8] || *id == self.identifier => {
                let mut other = nonzero_identifier(&mut self.rng);
                while other == self.identifier {
                    other = nonzero_identifier(&mut self.rng);
                }
                Verdict::Nak(Ipv6cpOption::InterfaceIdentifier(other))
            }
            Ipv6cpOption::InterfaceIdentifier(_) => Verdict::Ack,
            Ipv6cpOption::Unknown { .. } => Verdict::Reject,
        }
    }

    fn peer_request_acked(&mut self, opts: &[Ipv6cpOption]) {
        for o in opts {
            if let Ipv6cpOption::InterfaceIdentifier(id) = o {
                self.peer_identifier = Some(*id);
            }
        }
    }

    fn nak_received(&mut self, suggested: &[Ipv6cpOption]) -> Progress {
        for o in suggested {
            if let Ipv6cpOption::InterfaceIdentifier(id) = o {
                if *id != [0; 8] {
                    self.identifier = *id;
                }
            }
        }
        Progress::Continue
    }

    fn reject_received(&mut self, rejected: &[Ipv6cpOption]) -> Progress {
        if rejected
            .iter()
            .any(|o| matches!(o, Ipv6cpOption::InterfaceIdentifier(_)))
        {
            self.send_identifier = false;
        }
        Progress::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    fn policy() -> Ipv6cpPolicy {
        Ipv6cpPolicy::new(ChaCha20Rng::seed_from_u64(7))
    }

    #[test]
    fn asks_for_a_nonzero_identifier_and_takes_the_peers_suggestion() {
        let mut p = policy();
        let mine = p.identifier();
        assert_ne!(mine, [0; 8]);
        assert_eq!(p.request(), [Ipv6cpOption::InterfaceIdentifier(mine)]);
        let suggested = [1, 2, 3, 4, 5, 6, 7, 8];
        p.nak_received(&[Ipv6cpOption::InterfaceIdentifier(suggested)]);
        assert_eq!(p.request(), [Ipv6cpOption::InterfaceIdentifier(suggested)]);
        p.reject_received(&[Ipv6cpOption::InterfaceIdentifier(suggested)]);
        assert!(p.request().is_empty());
    }

    #[test]
    fn a_peer_with_zero_or_our_identifier_gets_another() {
        let mut p = policy();
        let mine = p.identifier();
        for id in [[0; 8], mine] {
            match p.judge(&Ipv6cpOption::InterfaceIdentifier(id)) {
                Verdict::Nak(Ipv6cpOption::InterfaceIdentifier(other)) => {
                    assert!(other != [0; 8] && other != mine)
                }
                v => panic!("{v:?}"),
            }
        }
        let theirs = [9; 8];
        assert_eq!(
            p.judge(&Ipv6cpOption::InterfaceIdentifier(theirs)),
            Verdict::Ack
        );
        p.peer_request_acked(&[Ipv6cpOption::InterfaceIdentifier(theirs)]);
        assert_eq!(p.peer_identifier(), Some(theirs));
    }
}
