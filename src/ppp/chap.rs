//! Sans-IO MS-CHAPv2 (RFC 2759 over RFC 1994 CHAP): the peer (client) and
//! the authenticator (server). Packets in and out are CHAP packets (code,
//! identifier, length, data) without the PPP framing; the link adds
//! FF 03 C2 23.
//!
//! Errors from `handle_packet` mean "packet dropped, state unchanged".

use core::time::Duration;
use std::collections::VecDeque;

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use subtle::ConstantTimeEq;

use crate::crypto::mschapv2::{
    authenticator_response_digest, check_authenticator_response, generate_nt_response,
    hash_nt_password_hash, nt_password_hash, user_name_for_hash,
};
use crate::ppp::error::PppError;
use crate::wire::ppp::chap::{Code, FailureMessage, Repr, SuccessMessage, CHALLENGE_LEN};

/// PPP protocol number of CHAP (RFC 1994 2), for error reports.
pub const PROTOCOL_CHAP: u16 = 0xc223;
/// Time between retransmissions (RFC 1994 4.1 leaves it open; 3 s like
/// the LCP Restart timer, RFC 1661 4.6, and pppd's chap-interval).
pub const RESTART_INTERVAL: Duration = Duration::from_secs(3);
/// Transmissions of one Challenge or Response before giving up (pppd's
/// chap-max-challenge, like RFC 1661 Max-Configure).
pub const MAX_TRANSMITS: u32 = 10;
/// RFC 2759 6: "E=691 Authentication failure".
pub const ERROR_AUTHENTICATION_FAILURE: u32 = 691;
/// RFC 2759 6: "V=3", the password change protocol version Windows sends.
const FAILURE_VERSION: u32 = 3;

/// What MPPE needs from a successful MS-CHAPv2 exchange (RFC 3079 3.4
/// GetMasterKey inputs).
#[derive(Clone, PartialEq, Eq)]
pub struct MsChapKeys {
    pub nt_response: [u8; 24],
    pub password_hash_hash: [u8; 16],
}

impl core::fmt::Debug for MsChapKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Key material stays out of logs.
        f.write_str("MsChapKeys(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChapEvent {
    /// Authenticator: a Response arrived; answer with `credentials()`.
    Verify { user: String },
    /// Authenticator: the NT-Response verified; answer with `decide()`.
    Authorize { user: String },
    /// Both: Success sent (authenticator) or received and verified (peer).
    Succeeded,
    /// Both: Failure sent or received, with its E= code and M= text.
    Failed { code: u32, message: String },
    /// Peer: the Success message's S= did not match (RFC 2759 8.8).
    AuthenticatorResponseMismatch,
    /// Both: MAX_TRANSMITS without an answer.
    Timeout,
}

/// The RRAS-style text for a Failure code (RFC 2759 6 lists the codes).
fn failure_text(code: u32) -> &'static str {
    match code {
        646 => "Restricted logon hours",
        647 => "Account disabled",
        648 => "Password expired",
        649 => "No dial-in permission",
        691 => "Authentication failure",
        709 => "Error changing password",
        _ => "Access denied",
    }
}

/// A packet being retransmitted until answered.
#[derive(Debug, Clone)]
struct Retransmit {
    packet: Vec<u8>,
    deadline: Duration,
    transmits: u32,
}

impl Retransmit {
    fn start(now: Duration, packet: Vec<u8>, out: &mut VecDeque<Vec<u8>>) -> Self {
        out.push_back(packet.clone());
        Retransmit {
            packet,
            deadline: now + RESTART_INTERVAL,
            transmits: 1,
        }
    }

    /// `false` when the transmissions are used up.
    fn on_timeout(&mut self, now: Duration, out: &mut VecDeque<Vec<u8>>) -> bool {
        if self.transmits >= MAX_TRANSMITS {
            return false;
        }
        out.push_back(self.packet.clone());
        self.transmits += 1;
        self.deadline = now + RESTART_INTERVAL;
        true
    }
}

fn random<const N: usize>(rng: &mut ChaCha20Rng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

fn unexpected(code: Code) -> PppError {
    PppError::UnexpectedPacket {
        protocol: PROTOCOL_CHAP,
        code: code.into(),
    }
}

#[derive(Clone, Debug)]
enum PeerState {
    Idle,
    Responded {
        id: u8,
        authenticator_challenge: [u8; CHALLENGE_LEN],
        peer_challenge: [u8; 16],
        nt_response: [u8; 24],
        retransmit: Option<Retransmit>,
    },
    Done {
        id: u8,
    },
}

/// The MS-CHAPv2 peer (the client proving its password).
#[derive(Clone)]
pub struct ChapPeer {
    user: String,
    password: String,
    rng: ChaCha20Rng,
    state: PeerState,
    keys: Option<MsChapKeys>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<ChapEvent>,
}

impl ChapPeer {
    pub fn new(user: String, password: String, rng: ChaCha20Rng) -> Self {
        ChapPeer {
            user,
            password,
            rng,
            state: PeerState::Idle,
            keys: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn handle_packet(&mut self, now: Duration, pkt: &[u8]) -> Result<(), PppError> {
        let repr = Repr::parse_bytes(pkt)?;
        match (&mut self.state, repr) {
            (PeerState::Done { .. }, Repr::Challenge { .. }) => Err(unexpected(Code::Challenge)),
            // The authenticator retransmitted its Challenge: our Response
            // was lost. Answer with the same Response.
            (
                PeerState::Responded {
                    id,
                    authenticator_challenge,
                    retransmit: Some(rt),
                    ..
                },
                Repr::Challenge {
                    identifier,
                    challenge,
                    ..
                },
            ) if *id == identifier && *authenticator_challenge == challenge => {
                self.transmit.push_back(rt.packet.clone());
                rt.deadline = now + RESTART_INTERVAL;
                Ok(())
            }
            (
                _,
                Repr::Challenge {
                    identifier,
                    challenge,
                    ..
                },
            ) => {
                self.respond(now, identifier, challenge);
                Ok(())
            }
            (
                PeerState::Responded {
                    id,
                    authenticator_challenge,
                    peer_challenge,
                    nt_response,
                    ..
                },
                Repr::Success {
                    identifier,
                    message,
                },
            ) if *id == identifier => {
                // RFC 2759 8.8 CheckAuthenticatorResponse.
                let ok = check_authenticator_response(
                    &self.password,
                    nt_response,
                    peer_challenge,
                    authenticator_challenge,
                    user_name_for_hash(&self.user),
                    &message.authenticator_response,
                );
                if ok {
                    self.keys = Some(MsChapKeys {
                        nt_response: *nt_response,
                        password_hash_hash: hash_nt_password_hash(&nt_password_hash(
                            &self.password,
                        )),
                    });
                    self.events.push_back(ChapEvent::Succeeded);
                } else {
                    self.events
                        .push_back(ChapEvent::AuthenticatorResponseMismatch);
                }
                self.state = PeerState::Done { id: identifier };
                Ok(())
            }
            (
                PeerState::Responded { id, .. },
                Repr::Failure {
                    identifier,
                    message,
                },
            ) if *id == identifier => {
                // R=1 (retry with C=) is not offered by RRAS here: the
                // exchange ends on any Failure.
                self.events.push_back(ChapEvent::Failed {
                    code: message.error,
                    message: message.message,
                });
                self.state = PeerState::Done { id: identifier };
                Ok(())
            }
            // A second Success/Failure answering a retransmitted Response.
            (PeerState::Done { id }, Repr::Success { identifier, .. })
            | (PeerState::Done { id }, Repr::Failure { identifier, .. })
                if *id == identifier =>
            {
                Ok(())
            }
            (
                PeerState::Responded { id, .. } | PeerState::Done { id },
                Repr::Success { identifier, .. } | Repr::Failure { identifier, .. },
            ) => Err(PppError::ChapIdMismatch {
                expected: *id,
                got: identifier,
            }),
            (_, repr) => Err(unexpected(repr.code())),
        }
    }

    /// RFC 2759 4: a Response with a fresh Peer-Challenge.
    fn respond(&mut self, now: Duration, id: u8, authenticator_challenge: [u8; CHALLENGE_LEN]) {
        let peer_challenge: [u8; 16] = random(&mut self.rng);
        let nt_response = generate_nt_response(
            &authenticator_challenge,
            &peer_challenge,
            user_name_for_hash(&self.user),
            &self.password,
        );
        let packet = Repr::Response {
            identifier: id,
            peer_challenge,
            nt_response,
            flags: 0,
            name: self.user.clone(),
        }
        .to_bytes();
        self.state = PeerState::Responded {
            id,
            authenticator_challenge,
            peer_challenge,
            nt_response,
            retransmit: Some(Retransmit::start(now, packet, &mut self.transmit)),
        };
    }

    /// Resends the Response every RESTART_INTERVAL until Success/Failure;
    /// after MAX_TRANSMITS, ChapEvent::Timeout.
    pub fn handle_timeout(&mut self, now: Duration) {
        if let PeerState::Responded {
            id,
            retransmit: Some(rt),
            ..
        } = &mut self.state
        {
            if now >= rt.deadline && !rt.on_timeout(now, &mut self.transmit) {
                self.state = PeerState::Done { id: *id };
                self.events.push_back(ChapEvent::Timeout);
            }
        }
    }

    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<ChapEvent> {
        self.events.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        match &self.state {
            PeerState::Responded {
                retransmit: Some(rt),
                ..
            } => Some(rt.deadline),
            _ => None,
        }
    }

    /// After ChapEvent::Succeeded: the inputs of RFC 3079 key derivation.
    pub fn keys(&self) -> Option<MsChapKeys> {
        self.keys.clone()
    }
}

#[derive(Clone, Debug)]
enum AuthState {
    Initial,
    Challenged {
        retransmit: Retransmit,
    },
    Verifying {
        user: String,
        peer_challenge: [u8; 16],
        nt_response: [u8; 24],
    },
    Authorizing {
        keys: MsChapKeys,
        digest: [u8; 20],
    },
    /// Success or Failure sent; re-sent to a duplicate Response (RFC 1994 4.2).
    Done {
        reply: Vec<u8>,
    },
    TimedOut,
}

/// The MS-CHAPv2 authenticator (the server checking a password).
#[derive(Clone)]
pub struct ChapAuthenticator {
    name: String,
    rng: ChaCha20Rng,
    id: u8,
    challenge: [u8; CHALLENGE_LEN],
    state: AuthState,
    keys: Option<MsChapKeys>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<ChapEvent>,
}

impl ChapAuthenticator {
    pub fn new(name: String, mut rng: ChaCha20Rng) -> Self {
        let [id] = random::<1>(&mut rng);
        ChapAuthenticator {
            name,
            rng,
            id,
            challenge: [0; CHALLENGE_LEN],
            state: AuthState::Initial,
            keys: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Sends a Challenge of 16 random octets (RFC 2759 3), retransmitted
    /// every RESTART_INTERVAL, MAX_TRANSMITS in all. Calling it again starts
    /// over with a new identifier and challenge.
    pub fn start(&mut self, now: Duration) {
        self.id = self.id.wrapping_add(1);
        self.challenge = random(&mut self.rng);
        self.keys = None;
        let packet = Repr::Challenge {
            identifier: self.id,
            challenge: self.challenge,
            name: self.name.clone(),
        }
        .to_bytes();
        self.state = AuthState::Challenged {
            retransmit: Retransmit::start(now, packet, &mut self.transmit),
        };
    }

    pub fn handle_packet(&mut self, _now: Duration, pkt: &[u8]) -> Result<(), PppError> {
        let repr = Repr::parse_bytes(pkt)?;
        let Repr::Response {
            identifier,
            peer_challenge,
            nt_response,
            name,
            ..
        } = repr
        else {
            return Err(unexpected(repr.code()));
        };
        // RFC 1994 4.1: a Response must echo the Challenge's identifier.
        if identifier != self.id {
            return Err(PppError::ChapIdMismatch {
                expected: self.id,
                got: identifier,
            });
        }
        match &self.state {
            AuthState::Challenged { .. } => {
                self.events
                    .push_back(ChapEvent::Verify { user: name.clone() });
                self.state = AuthState::Verifying {
                    user: name,
                    peer_challenge,
                    nt_response,
                };
                Ok(())
            }
            // The machine has not answered yet; the peer will resend.
            AuthState::Verifying { .. } | AuthState::Authorizing { .. } => Ok(()),
            AuthState::Done { reply } => {
                self.transmit.push_back(reply.clone());
                Ok(())
            }
            AuthState::Initial | AuthState::TimedOut => Err(unexpected(Code::Response)),
        }
    }

    /// Retransmits the Challenge; after MAX_TRANSMITS, ChapEvent::Timeout.
    pub fn handle_timeout(&mut self, now: Duration) {
        if let AuthState::Challenged { retransmit } = &mut self.state {
            if now >= retransmit.deadline && !retransmit.on_timeout(now, &mut self.transmit) {
                self.state = AuthState::TimedOut;
                self.events.push_back(ChapEvent::Timeout);
            }
        }
    }

    /// Answer to ChapEvent::Verify: the user's password, if the user exists.
    /// A wrong or missing password sends Failure E=691 (RFC 2759 6).
    pub fn credentials(&mut self, now: Duration, password: Option<&str>) {
        let AuthState::Verifying {
            user,
            peer_challenge,
            nt_response,
        } = &self.state
        else {
            return;
        };
        let user_hashed = user_name_for_hash(user);
        let verified = password.and_then(|pw| {
            let expected = generate_nt_response(&self.challenge, peer_challenge, user_hashed, pw);
            if bool::from(expected.ct_eq(nt_response)) {
                let phh = hash_nt_password_hash(&nt_password_hash(pw));
                let digest = authenticator_response_digest(
                    &phh,
                    nt_response,
                    peer_challenge,
                    &self.challenge,
                    user_hashed,
                );
                Some((
                    MsChapKeys {
                        nt_response: *nt_response,
                        password_hash_hash: phh,
                    },
                    digest,
                ))
            } else {
                None
            }
        });
        match verified {
            Some((keys, digest)) => {
                self.events
                    .push_back(ChapEvent::Authorize { user: user.clone() });
                self.state = AuthState::Authorizing { keys, digest };
            }
            None => self.fail(now, ERROR_AUTHENTICATION_FAILURE),
        }
    }

    /// Answer to ChapEvent::Authorize: Ok sends Success "S=... M=...",
    /// Err(code) sends Failure E=code (649 no dial-in permission, ...).
    pub fn decide(&mut self, now: Duration, allow: Result<(), u32>) {
        let AuthState::Authorizing { keys, digest } = &self.state else {
            return;
        };
        match allow {
            Ok(()) => {
                let reply = Repr::Success {
                    identifier: self.id,
                    message: SuccessMessage {
                        authenticator_response: *digest,
                        message: "Access granted".into(),
                    },
                }
                .to_bytes();
                self.keys = Some(keys.clone());
                self.transmit.push_back(reply.clone());
                self.events.push_back(ChapEvent::Succeeded);
                self.state = AuthState::Done { reply };
            }
            Err(code) => self.fail(now, code),
        }
    }

    /// RFC 2759 6: Failure "E=code R=0 C=<new challenge> V=3 M=text".
    fn fail(&mut self, _now: Duration, code: u32) {
        let message = failure_text(code).to_string();
        let reply = Repr::Failure {
            identifier: self.id,
            message: FailureMessage {
                error: code,
                retry: false,
                challenge: Some(random(&mut self.rng)),
                version: Some(FAILURE_VERSION),
                message: message.clone(),
            },
        }
        .to_bytes();
        self.transmit.push_back(reply.clone());
        self.events.push_back(ChapEvent::Failed { code, message });
        self.state = AuthState::Done { reply };
    }

    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<ChapEvent> {
        self.events.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        match &self.state {
            AuthState::Challenged { retransmit } => Some(retransmit.deadline),
            _ => None,
        }
    }

    /// After ChapEvent::Succeeded: the inputs of RFC 3079 key derivation.
    pub fn keys(&self) -> Option<MsChapKeys> {
        self.keys.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    const S: Duration = Duration::from_secs(1);

    fn rng(seed: u64) -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(seed)
    }

    fn pair(user: &str, password: &str) -> (ChapPeer, ChapAuthenticator) {
        (
            ChapPeer::new(user.into(), password.into(), rng(1)),
            ChapAuthenticator::new("RRAS".into(), rng(2)),
        )
    }

    fn drain<T>(mut f: impl FnMut() -> Option<T>) -> Vec<T> {
        core::iter::from_fn(&mut f).collect()
    }

    /// Challenge -> Response; returns the Response bytes.
    fn challenge_and_respond(peer: &mut ChapPeer, auth: &mut ChapAuthenticator) -> Vec<u8> {
        auth.start(Duration::ZERO);
        let challenge = auth.poll_transmit().unwrap();
        assert_eq!(challenge[0], 1);
        peer.handle_packet(Duration::ZERO, &challenge).unwrap();
        let response = peer.poll_transmit().unwrap();
        auth.handle_packet(Duration::ZERO, &response).unwrap();
        response
    }

    fn deliver(from: &mut impl FnMut() -> Option<Vec<u8>>, to: &mut ChapPeer) {
        while let Some(p) = from() {
            to.handle_packet(Duration::ZERO, &p).unwrap();
        }
    }

    #[test]
    fn handshake_succeeds_and_both_sides_derive_the_same_keys() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        challenge_and_respond(&mut peer, &mut auth);
        assert_eq!(
            auth.poll_event(),
            Some(ChapEvent::Verify {
                user: "User".into()
            })
        );
        auth.credentials(S, Some("clientPass"));
        assert_eq!(
            auth.poll_event(),
            Some(ChapEvent::Authorize {
                user: "User".into()
            })
        );
        assert!(auth.keys().is_none(), "no keys before the decision");
        auth.decide(S, Ok(()));
        assert_eq!(auth.poll_event(), Some(ChapEvent::Succeeded));
        let success = auth.poll_transmit().unwrap();
        assert!(success[4..].starts_with(b"S="));
        assert!(success.ends_with(b" M=Access granted"));
        peer.handle_packet(S, &success).unwrap();
        assert_eq!(peer.poll_event(), Some(ChapEvent::Succeeded));
        assert_eq!(peer.poll_timeout(), None);
        let keys = peer.keys().unwrap();
        assert_eq!(Some(keys.clone()), auth.keys());
        assert_eq!(
            keys.password_hash_hash,
            hash_nt_password_hash(&nt_password_hash("clientPass"))
        );
    }

    #[test]
    fn peer_response_carries_a_valid_nt_response_for_the_challenge() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        auth.start(Duration::ZERO);
        let challenge = auth.poll_transmit().unwrap();
        let Ok(Repr::Challenge {
            challenge: c,
            identifier: cid,
            ..
        }) = Repr::parse_bytes(&challenge)
        else {
            panic!()
        };
        peer.handle_packet(Duration::ZERO, &challenge).unwrap();
        let Ok(Repr::Response {
            identifier,
            peer_challenge,
            nt_response,
            flags,
            name,
        }) = Repr::parse_bytes(&peer.poll_transmit().unwrap())
        else {
            panic!()
        };
        assert_eq!((identifier, flags, name.as_str()), (cid, 0, "User"));
        assert_eq!(
            nt_response,
            generate_nt_response(&c, &peer_challenge, "User", "clientPass")
        );
    }

    #[test]
    fn wrong_password_gets_failure_691_with_a_new_challenge() {
        let (mut peer, mut auth) = pair("User", "wrong");
        challenge_and_respond(&mut peer, &mut auth);
        let _ = auth.poll_event();
        auth.credentials(S, Some("clientPass"));
        assert!(matches!(
            auth.poll_event(),
            Some(ChapEvent::Failed { code: 691, .. })
        ));
        let failure = auth.poll_transmit().unwrap();
        let Ok(Repr::Failure { message, .. }) = Repr::parse_bytes(&failure) else {
            panic!()
        };
        assert_eq!(message.error, 691);
        assert!(!message.retry);
        assert_eq!(message.version, Some(3));
        assert!(message.challenge.is_some());
        assert!(String::from_utf8_lossy(&failure[4..]).starts_with("E=691 R=0 C="));
        peer.handle_packet(S, &failure).unwrap();
        assert_eq!(
            peer.poll_event(),
            Some(ChapEvent::Failed {
                code: 691,
                message: "Authentication failure".into()
            })
        );
        assert!(peer.keys().is_none());
        assert!(auth.keys().is_none());
    }

    #[test]
    fn unknown_user_gets_failure_691() {
        let (mut peer, mut auth) = pair("nobody", "x");
        challenge_and_respond(&mut peer, &mut auth);
        let _ = auth.poll_event();
        auth.credentials(S, None);
        assert!(matches!(
            auth.poll_event(),
            Some(ChapEvent::Failed { code: 691, .. })
        ));
    }

    #[test]
    fn refused_authorization_sends_failure_with_the_machines_code() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        challenge_and_respond(&mut peer, &mut auth);
        auth.credentials(S, Some("clientPass"));
        auth.decide(S, Err(649));
        let events = drain(|| auth.poll_event());
        assert_eq!(
            events.last(),
            Some(&ChapEvent::Failed {
                code: 649,
                message: "No dial-in permission".into()
            })
        );
        let failure = auth.poll_transmit().unwrap();
        assert!(failure[4..].starts_with(b"E=649 R=0 C="));
        peer.handle_packet(S, &failure).unwrap();
        assert!(matches!(
            peer.poll_event(),
            Some(ChapEvent::Failed { code: 649, .. })
        ));
    }

    #[test]
    fn tampered_success_is_an_authenticator_response_mismatch() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        challenge_and_respond(&mut peer, &mut auth);
        auth.credentials(S, Some("clientPass"));
        auth.decide(S, Ok(()));
        let mut success = auth.poll_transmit().unwrap();
        // Flip one hex digit of S= ('0'..'9' <-> other digit).
        success[6] = if success[6] == b'0' { b'1' } else { b'0' };
        peer.handle_packet(S, &success).unwrap();
        assert_eq!(
            peer.poll_event(),
            Some(ChapEvent::AuthenticatorResponseMismatch)
        );
        assert!(peer.keys().is_none());
    }

    #[test]
    fn duplicate_response_after_decision_resends_the_same_success() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        let response = challenge_and_respond(&mut peer, &mut auth);
        auth.credentials(S, Some("clientPass"));
        auth.decide(S, Ok(()));
        let first = auth.poll_transmit().unwrap();
        auth.handle_packet(4 * S, &response).unwrap();
        assert_eq!(auth.poll_transmit(), Some(first.clone()));
        // The peer takes the second copy quietly.
        peer.handle_packet(S, &first).unwrap();
        peer.handle_packet(S, &first).unwrap();
        assert_eq!(drain(|| peer.poll_event()), vec![ChapEvent::Succeeded]);
    }

    #[test]
    fn duplicate_response_while_verifying_is_ignored() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        let response = challenge_and_respond(&mut peer, &mut auth);
        auth.handle_packet(S, &response).unwrap();
        assert_eq!(drain(|| auth.poll_event()).len(), 1);
        assert_eq!(auth.poll_transmit(), None);
    }

    #[test]
    fn response_with_another_identifier_is_rejected() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        let mut response = challenge_and_respond(&mut peer, &mut auth);
        response[1] = response[1].wrapping_add(1);
        assert!(matches!(
            auth.handle_packet(S, &response),
            Err(PppError::ChapIdMismatch { .. })
        ));
    }

    #[test]
    fn challenge_retransmitted_every_3s_until_timeout_after_10_transmissions() {
        let mut auth = ChapAuthenticator::new("RRAS".into(), rng(2));
        auth.start(Duration::ZERO);
        let first = auth.poll_transmit().unwrap();
        let mut sent = 1;
        while let Some(t) = auth.poll_timeout() {
            assert_eq!(t, Duration::from_secs(3 * sent));
            auth.handle_timeout(t);
            if let Some(p) = auth.poll_transmit() {
                assert_eq!(p, first, "same identifier and challenge");
                sent += 1;
            }
        }
        assert_eq!(sent, u64::from(MAX_TRANSMITS));
        assert_eq!(drain(|| auth.poll_event()), vec![ChapEvent::Timeout]);
    }

    #[test]
    fn early_timeout_call_does_not_retransmit() {
        let mut auth = ChapAuthenticator::new("RRAS".into(), rng(2));
        auth.start(Duration::ZERO);
        let _ = auth.poll_transmit();
        auth.handle_timeout(2 * S);
        assert_eq!(auth.poll_transmit(), None);
    }

    #[test]
    fn peer_response_retransmitted_until_answer_then_times_out() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        auth.start(Duration::ZERO);
        let challenge = auth.poll_transmit().unwrap();
        peer.handle_packet(Duration::ZERO, &challenge).unwrap();
        let first = peer.poll_transmit().unwrap();
        let mut sent = 1;
        while let Some(t) = peer.poll_timeout() {
            peer.handle_timeout(t);
            if let Some(p) = peer.poll_transmit() {
                assert_eq!(p, first);
                sent += 1;
            }
        }
        assert_eq!(sent, MAX_TRANSMITS);
        assert_eq!(drain(|| peer.poll_event()), vec![ChapEvent::Timeout]);
    }

    #[test]
    fn lost_response_is_recovered_by_challenge_retransmission() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        auth.start(Duration::ZERO);
        let challenge = auth.poll_transmit().unwrap();
        peer.handle_packet(Duration::ZERO, &challenge).unwrap();
        let lost = peer.poll_transmit().unwrap();
        auth.handle_timeout(3 * S);
        let again = auth.poll_transmit().unwrap();
        peer.handle_packet(3 * S, &again).unwrap();
        let resent = peer.poll_transmit().unwrap();
        assert_eq!(resent, lost, "same Peer-Challenge, same NT-Response");
        auth.handle_packet(3 * S, &resent).unwrap();
        auth.credentials(3 * S, Some("clientPass"));
        auth.decide(3 * S, Ok(()));
        let _ = drain(|| auth.poll_event());
        deliver(&mut || auth.poll_transmit(), &mut peer);
        assert_eq!(peer.poll_event(), Some(ChapEvent::Succeeded));
        assert_eq!(auth.poll_timeout(), None);
    }

    #[test]
    fn domain_qualified_user_authenticates_on_the_bare_name() {
        let (mut peer, mut auth) = pair("CORP\\User", "clientPass");
        challenge_and_respond(&mut peer, &mut auth);
        assert_eq!(
            auth.poll_event(),
            Some(ChapEvent::Verify {
                user: "CORP\\User".into()
            })
        );
        auth.credentials(S, Some("clientPass"));
        auth.decide(S, Ok(()));
        deliver(&mut || auth.poll_transmit(), &mut peer);
        assert_eq!(peer.poll_event(), Some(ChapEvent::Succeeded));
    }

    #[test]
    fn malformed_and_misdirected_packets_are_errors() {
        let (mut peer, mut auth) = pair("User", "clientPass");
        assert!(matches!(
            peer.handle_packet(S, &[1, 1, 0]),
            Err(PppError::Wire(_))
        ));
        // Success before any Challenge.
        let success = Repr::Success {
            identifier: 1,
            message: SuccessMessage {
                authenticator_response: [0; 20],
                message: String::new(),
            },
        }
        .to_bytes();
        assert!(matches!(
            peer.handle_packet(S, &success),
            Err(PppError::UnexpectedPacket { code: 3, .. })
        ));
        assert!(matches!(
            auth.handle_packet(S, &success),
            Err(PppError::UnexpectedPacket { code: 3, .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn random_packets_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)) {
            let (mut peer, mut auth) = pair("User", "clientPass");
            auth.start(Duration::ZERO);
            let c = auth.poll_transmit().unwrap();
            peer.handle_packet(Duration::ZERO, &c).unwrap();
            let _ = peer.handle_packet(S, &bytes);
            let _ = auth.handle_packet(S, &bytes);
        }
    }
}
