//! The LCP option policy (RFC 1661 6). The server (authenticator) asks for
//! Auth-Protocol CHAP with MS-CHAPv2 (RFC 2759 2); the client accepts only
//! that.
//!
//! What Windows offers (WINDOWS.md 9, pppd logs of Windows connections):
//! the XP client asks for MRU, Magic-Number, PFC, ACFC, Callback (CBCP),
//! MRRU 1614 and an Endpoint Discriminator; RRAS asks for MRU, MS-CHAPv2,
//! Magic-Number, MRRU 1614 and an Endpoint Discriminator. RRAS [MODEL]
//! rejects PFC and ACFC (frames on L2TP keep `FF 03` and two-octet
//! protocols, RFC 2661 5) and Callback (no callback is configured), and
//! takes the multilink options (multilink is on by default); the client
//! takes the server's. No Multilink headers are sent: a bundle of one link
//! carries plain frames (RFC 1990 3). ACCM is rejected on a synchronous
//! transport.

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use super::fsm::{Policy, Progress, Verdict};
use crate::wire::ppp::lcp::{
    LcpOption, PppOption, CALLBACK_CBCP, CHAP_PROTOCOL, MSCHAPV2_ALGORITHM,
};

/// RFC 1661 6.1: the default MRU.
pub const DEFAULT_MRU: u16 = 1500;
/// Smallest peer MRU accepted; smaller ones are Nak'd to this value.
pub const MIN_MRU: u16 = 128;
/// The MRRU Windows offers (pppd logs of Windows connections).
pub const WINDOWS_MRRU: u16 = 1614;
/// RFC 1990 5.1.3 class 1: a locally assigned address, at most 20 octets.
const ENDPOINT_CLASS_LOCAL: u8 = 1;

/// Which end of the authentication this side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LcpRole {
    /// The server: asks the peer to authenticate.
    Authenticator,
    /// The client: authenticates itself.
    Peer,
}

#[derive(Clone, Debug)]
pub struct LcpPolicy {
    role: LcpRole,
    rng: ChaCha20Rng,
    mru: u16,
    magic: u32,
    send_mru: bool,
    send_magic: bool,
    peer_mru: Option<u16>,
    peer_magic: Option<u32>,
    /// MS-CHAPv2 agreed in either direction.
    auth_agreed: bool,
    /// The peer acknowledged our PFC: it may compress protocols to us.
    pfc_agreed: bool,
    /// The options beyond MRU, Auth and Magic still requested, in order.
    extras: Vec<LcpOption>,
}

impl LcpPolicy {
    /// `multilink`: the client also asks for MRRU and an Endpoint
    /// Discriminator (XP does; Windows 10 does not, WINDOWS.md 10). The
    /// server always does.
    pub fn new(role: LcpRole, mru: u16, multilink: bool, mut rng: ChaCha20Rng) -> Self {
        let magic = nonzero(&mut rng);
        let mut endpoint = vec![0u8; 20];
        rng.fill_bytes(&mut endpoint);
        let client_multilink = multilink;
        let multilink = [
            LcpOption::Mrru(WINDOWS_MRRU),
            LcpOption::EndpointDiscriminator {
                class: ENDPOINT_CLASS_LOCAL,
                address: endpoint,
            },
        ];
        let extras = match role {
            LcpRole::Peer => [
                LcpOption::Pfc,
                LcpOption::Acfc,
                LcpOption::Callback {
                    operation: CALLBACK_CBCP,
                    message: Vec::new(),
                },
            ]
            .into_iter()
            .chain(multilink.into_iter().filter(|_| client_multilink))
            .collect(),
            LcpRole::Authenticator => multilink.to_vec(),
        };
        LcpPolicy {
            extras,
            pfc_agreed: false,
            role,
            rng,
            mru,
            magic,
            send_mru: mru != DEFAULT_MRU,
            send_magic: true,
            peer_mru: None,
            peer_magic: None,
            auth_agreed: false,
        }
    }

    /// Whether the peer may send us one-octet protocol fields.
    pub fn pfc_agreed(&self) -> bool {
        self.pfc_agreed
    }

    /// Whether the link agreed on MS-CHAPv2 authentication.
    pub fn auth_agreed(&self) -> bool {
        self.auth_agreed
    }

    /// The peer's MRU (RFC 1661 6.1: 1500 when not negotiated).
    pub fn peer_mru(&self) -> u16 {
        self.peer_mru.unwrap_or(DEFAULT_MRU)
    }

    pub fn peer_magic(&self) -> Option<u32> {
        self.peer_magic
    }

    fn fresh_magic(&mut self) {
        self.magic = nonzero(&mut self.rng);
    }
}

/// RFC 1661 6.4: zero is not a valid Magic-Number.
fn nonzero(rng: &mut ChaCha20Rng) -> u32 {
    loop {
        let v = rng.next_u32();
        if v != 0 {
            return v;
        }
    }
}

impl Policy for LcpPolicy {
    type Opt = LcpOption;
    const IS_LCP: bool = true;

    fn request(&mut self) -> Vec<LcpOption> {
        let mut out = Vec::new();
        if self.send_mru {
            out.push(LcpOption::Mru(self.mru));
        }
        if self.role == LcpRole::Authenticator {
            out.push(LcpOption::mschapv2());
        }
        if self.send_magic {
            out.push(LcpOption::MagicNumber(self.magic));
        }
        out.extend(self.extras.iter().cloned());
        out
    }

    fn judge(&mut self, opt: &LcpOption) -> Verdict<LcpOption> {
        match opt {
            LcpOption::Mru(m) if *m >= MIN_MRU => Verdict::Ack,
            LcpOption::Mru(_) => Verdict::Nak(LcpOption::Mru(MIN_MRU)),
            LcpOption::AuthProtocol { protocol, data } => match self.role {
                // The server never authenticates itself to the client.
                LcpRole::Authenticator => Verdict::Reject,
                LcpRole::Peer
                    if *protocol == CHAP_PROTOCOL && data.as_slice() == [MSCHAPV2_ALGORITHM] =>
                {
                    Verdict::Ack
                }
                // RFC 1661 6.2: Nak with the protocol we want instead.
                LcpRole::Peer => Verdict::Nak(LcpOption::mschapv2()),
            },
            LcpOption::MagicNumber(m) => {
                // RFC 1661 6.4: our own number back means a looped-back
                // link (or a collision): both sides pick new numbers.
                if *m == 0 || *m == self.magic {
                    self.fresh_magic();
                    let suggestion = nonzero(&mut self.rng);
                    Verdict::Nak(LcpOption::MagicNumber(suggestion))
                } else {
                    Verdict::Ack
                }
            }
            // Multilink is on at both ends.
            LcpOption::Mrru(m) if *m >= MIN_MRU => Verdict::Ack,
            LcpOption::Mrru(_) => Verdict::Nak(LcpOption::Mrru(WINDOWS_MRRU)),
            LcpOption::EndpointDiscriminator { .. } => Verdict::Ack,
            // The client compresses nothing it is asked to; RRAS keeps
            // frames whole on L2TP and calls nobody back.
            LcpOption::Pfc | LcpOption::Acfc | LcpOption::Callback { .. }
                if self.role == LcpRole::Authenticator =>
            {
                Verdict::Reject
            }
            LcpOption::Pfc | LcpOption::Acfc => Verdict::Ack,
            LcpOption::Accm(_) | LcpOption::Callback { .. } | LcpOption::Unknown { .. } => {
                Verdict::Reject
            }
        }
    }

    fn peer_request_acked(&mut self, opts: &[LcpOption]) {
        for o in opts {
            match o {
                LcpOption::Mru(m) => self.peer_mru = Some(*m),
                LcpOption::MagicNumber(m) => self.peer_magic = Some(*m),
                LcpOption::AuthProtocol { .. } => self.auth_agreed = true,
                _ => {}
            }
        }
    }

    fn request_acked(&mut self, opts: &[LcpOption]) {
        self.pfc_agreed = opts.contains(&LcpOption::Pfc);
        if opts
            .iter()
            .any(|o| matches!(o, LcpOption::AuthProtocol { .. }))
        {
            self.auth_agreed = true;
        }
    }

    fn nak_received(&mut self, suggested: &[LcpOption]) -> Progress {
        for o in suggested {
            match o {
                LcpOption::Mru(m) => {
                    self.mru = (*m).max(MIN_MRU);
                    self.send_mru = true;
                }
                LcpOption::MagicNumber(_) => self.fresh_magic(),
                // We speak MS-CHAPv2 only: another protocol cannot converge.
                LcpOption::AuthProtocol { protocol, data }
                    if self.role == LcpRole::Authenticator
                        && (*protocol != CHAP_PROTOCOL
                            || data.as_slice() != [MSCHAPV2_ALGORITHM]) =>
                {
                    return Progress::GiveUp;
                }
                _ => {}
            }
        }
        Progress::Continue
    }

    fn reject_received(&mut self, rejected: &[LcpOption]) -> Progress {
        self.extras
            .retain(|o| !rejected.iter().any(|r| r.kind() == o.kind()));
        for o in rejected {
            match o {
                LcpOption::Mru(_) => self.send_mru = false,
                LcpOption::MagicNumber(_) => self.send_magic = false,
                // The authenticator cannot go on without authentication.
                LcpOption::AuthProtocol { .. } if self.role == LcpRole::Authenticator => {
                    return Progress::GiveUp
                }
                _ => {}
            }
        }
        Progress::Continue
    }

    fn magic_number(&self) -> u32 {
        if self.send_magic {
            self.magic
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    fn policy(role: LcpRole) -> LcpPolicy {
        LcpPolicy::new(role, 1400, true, ChaCha20Rng::seed_from_u64(1))
    }

    #[test]
    fn server_requests_mschapv2_and_magic() {
        let mut p = policy(LcpRole::Authenticator);
        let req = p.request();
        assert_eq!(req[0], LcpOption::Mru(1400));
        assert_eq!(req[1], LcpOption::mschapv2());
        assert!(matches!(req[2], LcpOption::MagicNumber(m) if m != 0));
    }

    #[test]
    fn client_acks_only_mschapv2_and_naks_others_toward_it() {
        let mut p = policy(LcpRole::Peer);
        assert_eq!(p.judge(&LcpOption::mschapv2()), Verdict::Ack);
        let md5 = LcpOption::AuthProtocol {
            protocol: 0xc223,
            data: vec![5],
        };
        assert_eq!(p.judge(&md5), Verdict::Nak(LcpOption::mschapv2()));
        let pap = LcpOption::AuthProtocol {
            protocol: 0xc023,
            data: vec![],
        };
        assert_eq!(p.judge(&pap), Verdict::Nak(LcpOption::mschapv2()));
    }

    #[test]
    fn rras_rejects_compression_and_callback_and_the_client_takes_compression() {
        let callback = LcpOption::Callback {
            operation: CALLBACK_CBCP,
            message: Vec::new(),
        };
        let mut server = policy(LcpRole::Authenticator);
        for o in [
            LcpOption::Accm(0),
            LcpOption::Pfc,
            LcpOption::Acfc,
            callback.clone(),
        ] {
            assert_eq!(server.judge(&o), Verdict::Reject, "{o:?}");
        }
        let mut client = policy(LcpRole::Peer);
        assert_eq!(client.judge(&LcpOption::Accm(0)), Verdict::Reject);
        assert_eq!(client.judge(&LcpOption::Pfc), Verdict::Ack);
        assert_eq!(client.judge(&LcpOption::Acfc), Verdict::Ack);
        for p in [&mut server, &mut client] {
            assert_eq!(p.judge(&LcpOption::Mrru(WINDOWS_MRRU)), Verdict::Ack);
        }
    }

    #[test]
    fn the_xp_client_asks_for_what_windows_asks_and_drops_what_is_rejected() {
        let mut c = policy(LcpRole::Peer);
        let kinds = |opts: Vec<LcpOption>| opts.iter().map(|o| o.kind()).collect::<Vec<_>>();
        // MRU, Magic, PFC, ACFC, Callback, MRRU, Endpoint Discriminator.
        assert_eq!(kinds(c.request()), [1, 5, 7, 8, 13, 17, 19]);
        let rejected = [
            LcpOption::Pfc,
            LcpOption::Acfc,
            LcpOption::Callback {
                operation: CALLBACK_CBCP,
                message: Vec::new(),
            },
        ];
        assert_eq!(c.reject_received(&rejected), Progress::Continue);
        assert_eq!(kinds(c.request()), [1, 5, 17, 19]);
        // RRAS: MRU, MS-CHAPv2, Magic, MRRU, Endpoint Discriminator.
        assert_eq!(
            kinds(policy(LcpRole::Authenticator).request()),
            [1, 3, 5, 17, 19]
        );
    }

    #[test]
    fn a_client_without_multilink_asks_what_windows_10_asks() {
        let p = LcpPolicy::new(LcpRole::Peer, 1400, false, ChaCha20Rng::seed_from_u64(1));
        let kinds: Vec<u8> = p.clone().request().iter().map(|o| o.kind()).collect();
        // MRU 1400, Magic, PFC, ACFC, Callback (pfSense's log, WINDOWS.md 10).
        assert_eq!(kinds, [1, 5, 7, 8, 13]);
    }

    #[test]
    fn own_magic_number_naked_and_replaced() {
        let mut p = policy(LcpRole::Peer);
        let mine = p.magic_number();
        assert!(matches!(
            p.judge(&LcpOption::MagicNumber(mine)),
            Verdict::Nak(LcpOption::MagicNumber(_))
        ));
        assert_ne!(p.magic_number(), mine);
        assert_eq!(p.judge(&LcpOption::MagicNumber(0x1234)), Verdict::Ack);
    }

    #[test]
    fn authenticator_gives_up_when_auth_rejected_or_naked_elsewhere() {
        let mut p = policy(LcpRole::Authenticator);
        assert_eq!(
            p.reject_received(&[LcpOption::mschapv2()]),
            Progress::GiveUp
        );
        let pap = LcpOption::AuthProtocol {
            protocol: 0xc023,
            data: vec![],
        };
        assert_eq!(p.nak_received(&[pap]), Progress::GiveUp);
    }

    #[test]
    fn rejected_mru_no_longer_requested() {
        let mut p = policy(LcpRole::Peer);
        assert_eq!(
            p.reject_received(&[LcpOption::Mru(1400)]),
            Progress::Continue
        );
        assert!(!p.request().iter().any(|o| matches!(o, LcpOption::Mru(_))));
    }
}
