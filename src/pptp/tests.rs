//! A PNS and a PAC wired back to back: their streams and GRE packets are
//! handed across at once, as a lossless zero-latency link would.

use super::*;
use crate::wire::gre;

const CLIENT_CALL: u16 = 0x8000;
const SERVER_CALL: u16 = 0x4000;

fn cfg(host: &str) -> PptpConfig {
    PptpConfig {
        host_name: host.into(),
        vendor_name: "Microsoft".into(),
        firmware_revision: 0x0a28,
        receive_window: 64,
    }
}

struct Pair {
    pns: Control,
    pac: Control,
    events: [Vec<PptpEvent>; 2],
    /// Message types in the order they crossed, from either side.
    messages: Vec<(Role, crate::wire::pptp::MessageType)>,
    errors: Vec<PptpError>,
    accept: bool,
}

impl Pair {
    fn new(accept: bool) -> Self {
        Pair {
            pns: Control::pns(cfg(""), Duration::ZERO, CLIENT_CALL),
            pac: Control::pac(cfg("VPNSRV"), Duration::ZERO),
            events: [Vec::new(), Vec::new()],
            messages: Vec::new(),
            errors: Vec::new(),
            accept,
        }
    }

    /// Moves everything across until both are quiet.
    fn settle(&mut self, now: Duration) {
        loop {
            let mut moved = false;
            while let Some(b) = self.pns.poll_stream() {
                let m = crate::wire::pptp::Message::parse(&b).unwrap();
                self.messages.push((Role::Pns, m.message_type()));
                self.errors.extend(self.pac.handle_stream(now, &b));
                moved = true;
            }
            while let Some(b) = self.pac.poll_stream() {
                let m = crate::wire::pptp::Message::parse(&b).unwrap();
                self.messages.push((Role::Pac, m.message_type()));
                self.errors.extend(self.pns.handle_stream(now, &b));
                moved = true;
            }
            while let Some(g) = self.pns.poll_gre() {
                if let Err(e) = self.pac.handle_gre(now, &gre::parse(&g).unwrap()) {
                    self.errors.push(e);
                }
                moved = true;
            }
            while let Some(g) = self.pac.poll_gre() {
                if let Err(e) = self.pns.handle_gre(now, &gre::parse(&g).unwrap()) {
                    self.errors.push(e);
                }
                moved = true;
            }
            while let Some(e) = self.pns.poll_event() {
                self.events[0].push(e);
                moved = true;
            }
            while let Some(e) = self.pac.poll_event() {
                if e == (PptpEvent::CallRequested {
                    peer_call_id: CLIENT_CALL,
                }) {
                    let id = self.accept.then_some(SERVER_CALL);
                    self.pac.answer_call(id, result::BUSY);
                }
                self.events[1].push(e);
                moved = true;
            }
            if !moved {
                return;
            }
        }
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn the_pns_opens_the_connection_and_the_call_and_ppp_flows() {
    use crate::wire::pptp::MessageType as M;
    let mut p = Pair::new(true);
    p.settle(secs(0));
    assert_eq!(
        p.messages,
        vec![
            (Role::Pns, M::StartControlConnectionRequest),
            (Role::Pac, M::StartControlConnectionReply),
            (Role::Pns, M::OutgoingCallRequest),
            (Role::Pac, M::OutgoingCallReply),
            (Role::Pns, M::SetLinkInfo),
        ]
    );
    assert_eq!(p.events[0], vec![PptpEvent::ControlUp, PptpEvent::CallUp]);
    assert_eq!(
        p.events[1],
        vec![
            PptpEvent::ControlUp,
            PptpEvent::CallRequested {
                peer_call_id: CLIENT_CALL
            },
            PptpEvent::CallUp
        ]
    );
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    // GRE: each side keys its packets with the other's call id.
    p.pns.send_ppp(b"\xff\x03\xc0\x21lcp").unwrap();
    let g = p.pns.poll_gre().unwrap();
    assert_eq!(gre::parse(&g).unwrap().call_id, SERVER_CALL);
    p.pac.handle_gre(secs(0), &gre::parse(&g).unwrap()).unwrap();
    p.pac.send_ppp(b"reply").unwrap();
    p.settle(secs(0));
    assert_eq!(
        p.events[1].last(),
        Some(&PptpEvent::PppFrame(b"\xff\x03\xc0\x21lcp".to_vec()))
    );
    assert_eq!(
        p.events[0].last(),
        Some(&PptpEvent::PppFrame(b"reply".to_vec()))
    );
}

#[test]
fn the_pns_hangs_up_call_first_then_the_connection() {
    use crate::wire::pptp::MessageType as M;
    let mut p = Pair::new(true);
    p.settle(secs(0));
    p.messages.clear();
    p.pns.hang_up();
    p.settle(secs(5));
    assert_eq!(
        p.messages,
        vec![
            (Role::Pns, M::CallClearRequest),
            (Role::Pac, M::CallDisconnectNotify),
            (Role::Pns, M::StopControlConnectionRequest),
            (Role::Pac, M::StopControlConnectionReply),
        ]
    );
    for side in &p.events {
        assert!(side.contains(&PptpEvent::CallDown {
            result: result::CDN_REQUEST
        }));
        assert_eq!(
            side.last(),
            Some(&PptpEvent::ControlDown(ControlDownReason::Stopped))
        );
    }
    assert!(p.pns.is_down() && p.pac.is_down());
    assert_eq!(p.pns.send_ppp(b"x"), Err(PptpError::CallNotUp));
}

#[test]
fn a_refused_call_ends_the_control_connection() {
    let mut p = Pair::new(false);
    p.settle(secs(0));
    assert!(p.events[0].contains(&PptpEvent::CallRefused {
        result: result::BUSY,
        error: 0
    }));
    assert_eq!(
        p.events[0].last(),
        Some(&PptpEvent::ControlDown(ControlDownReason::Stopped))
    );
}

#[test]
fn an_idle_connection_is_probed_and_a_silent_peer_ends_it() {
    let mut p = Pair::new(true);
    p.settle(secs(0));
    // An answered echo keeps it up.
    assert_eq!(p.pns.poll_timeout(), Some(ECHO_INTERVAL));
    p.pns.handle_timeout(ECHO_INTERVAL);
    p.settle(ECHO_INTERVAL);
    assert!(!p.pns.is_down());
    // Then the PAC goes silent: no reply to the next echo.
    let next = p.pns.poll_timeout().unwrap();
    p.pns.handle_timeout(next);
    assert!(p.pns.poll_stream().is_some(), "Echo-Request");
    let give_up = p.pns.poll_timeout().unwrap();
    assert_eq!(give_up, next + ECHO_TIMEOUT);
    p.pns.handle_timeout(give_up);
    let events: Vec<_> = std::iter::from_fn(|| p.pns.poll_event()).collect();
    assert_eq!(
        events,
        vec![
            PptpEvent::CallDown {
                result: result::GENERAL_ERROR
            },
            PptpEvent::ControlDown(ControlDownReason::EchoTimeout)
        ]
    );
}

#[test]
fn a_stream_split_anywhere_is_read_whole_and_garbage_breaks_it() {
    let mut pns = Control::pns(cfg(""), secs(0), CLIENT_CALL);
    let mut pac = Control::pac(cfg("VPNSRV"), secs(0));
    let sccrq = pns.poll_stream().unwrap();
    for b in sccrq.chunks(7) {
        assert!(pac.handle_stream(secs(0), b).is_empty());
    }
    assert_eq!(pac.poll_event(), Some(PptpEvent::ControlUp));
    // A length below the header's cannot be framed: the connection ends.
    let errors = pac.handle_stream(secs(1), &[0, 3, 0, 1]);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        pac.poll_event(),
        Some(PptpEvent::ControlDown(ControlDownReason::StreamBroken))
    );
}

#[test]
fn gre_for_another_call_and_messages_out_of_place_are_refused() {
    let mut p = Pair::new(true);
    p.settle(secs(0));
    let stray = gre::Repr {
        call_id: 0x1111,
        seq: Some(0),
        ack: None,
        payload: b"x",
    };
    assert_eq!(
        p.pns.handle_gre(secs(0), &stray),
        Err(PptpError::UnknownCall { call_id: 0x1111 })
    );
    // A second SCCRQ on an established connection.
    let again = crate::wire::pptp::Message::StartControlConnectionRequest(
        Control::pns(cfg(""), secs(0), 1).start_control_for_tests(),
    );
    let errors = p.pac.handle_stream(secs(0), &again.emit());
    assert!(matches!(errors[..], [PptpError::UnexpectedMessage { .. }]));
}
