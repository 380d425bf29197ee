//! A PPTP control connection and its one call (RFC 2637 3): the PNS opens
//! the connection (SCCRQ/SCCRP) and the call (OCRQ/OCRP) and sends
//! Set-Link-Info; either side clears the call (CCRQ/CDN) and stops the
//! connection (StopCCRQ/StopCCRP); an idle connection is probed with
//! Echo-Request (2.4).

use core::time::Duration;
use std::collections::VecDeque;

use super::data::{DataChannel, DataCounters};
use super::{
    result, ControlDownReason, PptpConfig, PptpError, PptpEvent, Role, ECHO_INTERVAL, ECHO_TIMEOUT,
};
use crate::wire::gre;
use crate::wire::pptp::{
    message_len, CallDisconnectNotify, Message, OutgoingCallReply, OutgoingCallRequest,
    StartControl, PROTOCOL_VERSION,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// PNS: SCCRQ sent.
    WaitStartReply,
    /// PAC: TCP is up, SCCRQ awaited.
    WaitStartRequest,
    Established,
    /// StopCCRQ sent.
    WaitStopReply,
    Down,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::WaitStartReply => "wait-ctl-reply",
            State::WaitStartRequest => "wait-ctl-request",
            State::Established => "established",
            State::WaitStopReply => "wait-stop-reply",
            State::Down => "down",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallState {
    /// PNS: OCRQ sent.
    WaitReply,
    /// PAC: OCRQ received, `answer_call` awaited.
    WaitAnswer {
        peer_window: u16,
    },
    Established,
    /// PNS: CCRQ sent.
    WaitDisconnect,
}

#[derive(Debug, Clone)]
struct Call {
    /// Ours: the key of GRE packets the peer sends us.
    local_id: u16,
    peer_id: u16,
    state: CallState,
    data: Option<DataChannel>,
}

/// One control connection (one TCP connection) and its call.
#[derive(Debug, Clone)]
pub struct Control {
    role: Role,
    cfg: PptpConfig,
    state: State,
    call: Option<Call>,
    rx: Vec<u8>,
    tx: VecDeque<Vec<u8>>,
    events: VecDeque<PptpEvent>,
    last_heard: Duration,
    /// An Echo-Request in flight: (identifier, give up at).
    echo: Option<(u32, Duration)>,
    next_echo_id: u32,
    /// The call was disconnected: stop the control connection after
    /// reading, unless the peer asked first.
    stop_after_read: bool,
}

impl Control {
    fn new(role: Role, cfg: PptpConfig, now: Duration, state: State) -> Self {
        Control {
            role,
            cfg,
            state,
            call: None,
            rx: Vec::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            last_heard: now,
            echo: None,
            next_echo_id: 1,
            stop_after_read: false,
        }
    }

    /// RFC 2637 2.1/2.2. Asynchronous framing, analog bearer, no channel
    /// limit advertised [MODEL: the values a Windows peer sends are not in
    /// our sources]; host, vendor and firmware from the configuration.
    fn start_control(&self, result: u8) -> StartControl {
        StartControl {
            protocol_version: PROTOCOL_VERSION,
            result,
            error: 0,
            framing_capabilities: 1,
            bearer_capabilities: 1,
            maximum_channels: 0,
            firmware_revision: self.cfg.firmware_revision,
            host_name: self.cfg.host_name.as_bytes().to_vec(),
            vendor_name: self.cfg.vendor_name.as_bytes().to_vec(),
        }
    }

    /// PNS: the TCP connection is up; asks for the control connection,
    /// then (once it is up) for a call whose GRE packets carry `call_id`.
    pub fn pns(cfg: PptpConfig, now: Duration, call_id: u16) -> Self {
        let mut c = Control::new(Role::Pns, cfg, now, State::WaitStartReply);
        c.call = Some(Call {
            local_id: call_id,
            peer_id: 0,
            state: CallState::WaitReply,
            data: None,
        });
        let m = Message::StartControlConnectionRequest(c.start_control(0));
        c.send(&m);
        c
    }

    /// PAC: a PNS connected to TCP 1723.
    pub fn pac(cfg: PptpConfig, now: Duration) -> Self {
        Control::new(Role::Pac, cfg, now, State::WaitStartRequest)
    }

    fn send(&mut self, m: &Message) {
        tracing::trace!(target: crate::trace::PPTP, kind = m.message_type().name(), "send");
        self.tx.push_back(m.emit());
    }

    /// Our call id while a call exists (the GRE key the peer uses).
    pub fn call_id(&self) -> Option<u16> {
        self.call.as_ref().map(|c| c.local_id)
    }

    /// A call is up: its data channel exists.
    pub fn call_up(&self) -> bool {
        self.call.as_ref().is_some_and(|c| c.data.is_some())
    }

    pub fn is_down(&self) -> bool {
        self.state == State::Down
    }

    pub fn data_counters(&self) -> DataCounters {
        self.call
            .as_ref()
            .and_then(|c| c.data.as_ref())
            .map_or_else(DataCounters::default, |d| d.counters)
    }

    fn down(&mut self, reason: ControlDownReason) {
        if let Some(call) = self.call.take() {
            if matches!(
                call.state,
                CallState::Established | CallState::WaitDisconnect
            ) {
                self.events.push_back(PptpEvent::CallDown {
                    result: result::GENERAL_ERROR,
                });
            }
        }
        self.state = State::Down;
        self.echo = None;
        self.events.push_back(PptpEvent::ControlDown(reason));
    }

    fn stop(&mut self) {
        self.send(&Message::StopControlConnectionRequest {
            reason: result::STOP_GENERAL,
        });
        self.state = State::WaitStopReply;
    }

    /// Bytes from the TCP connection; every refused message is returned
    /// (the rest of the stream is still read).
    pub fn handle_stream(&mut self, now: Duration, bytes: &[u8]) -> Vec<PptpError> {
        self.rx.extend_from_slice(bytes);
        let mut errors = Vec::new();
        while self.state != State::Down {
            let len = match message_len(&self.rx) {
                Ok(Some(len)) => len,
                Ok(None) => break,
                Err(e) => {
                    errors.push(e.into());
                    self.rx.clear();
                    self.down(ControlDownReason::StreamBroken);
                    break;
                }
            };
            let one: Vec<u8> = self.rx.drain(..len).collect();
            self.last_heard = now;
            match Message::parse(&one) {
                Ok(m) => {
                    tracing::trace!(target: crate::trace::PPTP, kind = m.message_type().name(), "receive");
                    if let Err(e) = self.on_message(now, m) {
                        errors.push(e);
                    }
                }
                Err(e) => errors.push(e.into()),
            }
        }
        if std::mem::take(&mut self.stop_after_read) && self.state == State::Established {
            self.stop();
        }
        errors
    }

    fn unexpected(&self, m: &Message) -> PptpError {
        PptpError::UnexpectedMessage {
            message: m.message_type(),
            state: self.state.name(),
        }
    }

    fn on_message(&mut self, now: Duration, m: Message) -> Result<(), PptpError> {
        match (&m, self.state) {
            (Message::EchoRequest { identifier }, _) => {
                let identifier = *identifier;
                self.send(&Message::EchoReply {
                    identifier,
                    result: 1,
                    error: 0,
                });
                Ok(())
            }
            (Message::EchoReply { identifier, .. }, _) => {
                if self.echo.is_some_and(|(id, _)| id == *identifier) {
                    self.echo = None;
                }
                Ok(())
            }
            (Message::StopControlConnectionRequest { .. }, _) => {
                self.send(&Message::StopControlConnectionReply {
                    result: 1,
                    error: 0,
                });
                self.down(ControlDownReason::Stopped);
                Ok(())
            }
            (Message::StopControlConnectionReply { .. }, State::WaitStopReply) => {
                self.down(ControlDownReason::Stopped);
                Ok(())
            }
            // Link settings and error counts need no answer (2.14, 2.15).
            (Message::SetLinkInfo { .. } | Message::WanErrorNotify(_), State::Established) => {
                Ok(())
            }
            _ => match self.role {
                Role::Pns => self.pns_message(now, m),
                Role::Pac => self.pac_message(now, m),
            },
        }
    }

    fn pns_message(&mut self, _now: Duration, m: Message) -> Result<(), PptpError> {
        match (&m, self.state) {
            (Message::StartControlConnectionReply(s), State::WaitStartReply) => {
                if s.result != result::CHANNEL_ESTABLISHED {
                    let (result, error) = (s.result, s.error);
                    self.call = None;
                    self.down(ControlDownReason::Refused { result, error });
                    return Ok(());
                }
                self.state = State::Established;
                self.events.push_back(PptpEvent::ControlUp);
                let call_id = self.call_id().unwrap_or(0);
                // RFC 2637 2.7; speeds, any bearer and framing (3), no
                // phone number [MODEL: Windows' own values unsourced].
                let request = Message::OutgoingCallRequest(OutgoingCallRequest {
                    call_id,
                    call_serial_number: 0,
                    minimum_bps: 300,
                    maximum_bps: 100_000_000,
                    bearer_type: 3,
                    framing_type: 3,
                    packet_receive_window: self.cfg.receive_window,
                    packet_processing_delay: 0,
                    phone_number: Vec::new(),
                    subaddress: Vec::new(),
                });
                self.send(&request);
                Ok(())
            }
            (Message::OutgoingCallReply(o), State::Established) => {
                let Some(call) = self.call.as_mut() else {
                    return Err(self.unexpected(&m));
                };
                if o.peer_call_id != call.local_id || call.state != CallState::WaitReply {
                    return Err(PptpError::UnknownCall {
                        call_id: o.peer_call_id,
                    });
                }
                if o.result != result::CONNECTED {
                    let (result, error) = (o.result, o.error);
                    self.call = None;
                    self.events
                        .push_back(PptpEvent::CallRefused { result, error });
                    self.stop();
                    return Ok(());
                }
                call.peer_id = o.call_id;
                call.state = CallState::Established;
                call.data = Some(DataChannel::new(o.call_id, o.packet_receive_window));
                let peer_call_id = o.call_id;
                self.events.push_back(PptpEvent::CallUp);
                // Windows states the async control character maps for the
                // link (RFC 2637 2.15) [MODEL: all 32 characters].
                self.send(&Message::SetLinkInfo {
                    peer_call_id,
                    send_accm: u32::MAX,
                    receive_accm: u32::MAX,
                });
                Ok(())
            }
            (Message::CallDisconnectNotify(c), State::Established) => {
                if self
                    .call
                    .as_ref()
                    .is_none_or(|call| call.peer_id != c.call_id)
                {
                    return Err(PptpError::UnknownCall { call_id: c.call_id });
                }
                self.call = None;
                self.events
                    .push_back(PptpEvent::CallDown { result: c.result });
                // Stop once the rest of what arrived is read: a PAC sends
                // its own Stop-Control-Connection-Request right behind.
                self.stop_after_read = true;
                Ok(())
            }
            _ => Err(self.unexpected(&m)),
        }
    }

    fn pac_message(&mut self, _now: Duration, m: Message) -> Result<(), PptpError> {
        match (&m, self.state) {
            (Message::StartControlConnectionRequest(_), State::WaitStartRequest) => {
                let reply = Message::StartControlConnectionReply(
                    self.start_control(result::CHANNEL_ESTABLISHED),
                );
                self.send(&reply);
                self.state = State::Established;
                self.events.push_back(PptpEvent::ControlUp);
                Ok(())
            }
            (Message::OutgoingCallRequest(o), State::Established) if self.call.is_none() => {
                self.call = Some(Call {
                    local_id: 0,
                    peer_id: o.call_id,
                    state: CallState::WaitAnswer {
                        peer_window: o.packet_receive_window,
                    },
                    data: None,
                });
                self.events.push_back(PptpEvent::CallRequested {
                    peer_call_id: o.call_id,
                });
                Ok(())
            }
            (Message::CallClearRequest { call_id }, State::Established) => {
                let Some(call) = self.call.take_if(|c| c.peer_id == *call_id) else {
                    return Err(PptpError::UnknownCall { call_id: *call_id });
                };
                self.send(&Message::CallDisconnectNotify(CallDisconnectNotify {
                    call_id: call.local_id,
                    result: result::CDN_REQUEST,
                    error: 0,
                    cause: 0,
                    call_statistics: Vec::new(),
                }));
                self.events.push_back(PptpEvent::CallDown {
                    result: result::CDN_REQUEST,
                });
                Ok(())
            }
            _ => Err(self.unexpected(&m)),
        }
    }

    /// PAC: answers the Outgoing-Call-Request: `Some(our call id)` accepts,
    /// `None` refuses with `refusal` (RFC 2637 2.8 result codes).
    pub fn answer_call(&mut self, accept: Option<u16>, refusal: u8) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        let CallState::WaitAnswer { peer_window } = call.state else {
            return;
        };
        let peer_call_id = call.peer_id;
        // RFC 2637 2.8; a 100 Mbit/s connect speed [MODEL].
        let reply = |call_id, result| {
            Message::OutgoingCallReply(OutgoingCallReply {
                call_id,
                peer_call_id,
                result,
                error: 0,
                cause: 0,
                connect_speed: 100_000_000,
                packet_receive_window: self.cfg.receive_window,
                packet_processing_delay: 0,
                physical_channel_id: 0,
            })
        };
        match accept {
            Some(local_id) => {
                let m = reply(local_id, result::CONNECTED);
                call.local_id = local_id;
                call.state = CallState::Established;
                call.data = Some(DataChannel::new(peer_call_id, peer_window));
                self.send(&m);
                self.events.push_back(PptpEvent::CallUp);
            }
            None => {
                let m = reply(0, refusal);
                self.call = None;
                self.send(&m);
            }
        }
    }

    /// Ends the call and the control connection from this side: the PNS
    /// clears the call (CCRQ) and stops once the CDN comes; the PAC
    /// disconnects the call (CDN) and stops.
    pub fn hang_up(&mut self) {
        if self.state != State::Established {
            if self.state != State::Down {
                self.down(ControlDownReason::Stopped);
            }
            return;
        }
        let up = self.call.as_ref().map(|c| (c.state, c.local_id));
        match (self.role, up) {
            (Role::Pns, Some((CallState::Established, local_id))) => {
                self.send(&Message::CallClearRequest { call_id: local_id });
                if let Some(c) = self.call.as_mut() {
                    c.state = CallState::WaitDisconnect;
                }
            }
            (Role::Pac, Some((CallState::Established, local_id))) => {
                self.call = None;
                self.send(&Message::CallDisconnectNotify(CallDisconnectNotify {
                    call_id: local_id,
                    result: result::CDN_ADMIN,
                    error: 0,
                    cause: 0,
                    call_statistics: Vec::new(),
                }));
                self.events.push_back(PptpEvent::CallDown {
                    result: result::CDN_ADMIN,
                });
                self.stop();
            }
            _ => self.stop(),
        }
    }

    /// The TCP connection closed or reset.
    pub fn connection_lost(&mut self) {
        if self.state != State::Down {
            self.down(ControlDownReason::ConnectionLost);
        }
    }

    /// A GRE packet whose key is our call id.
    pub fn handle_gre(&mut self, now: Duration, packet: &gre::Repr<'_>) -> Result<(), PptpError> {
        let Some(call) = self.call.as_mut().filter(|c| c.local_id == packet.call_id) else {
            return Err(PptpError::UnknownCall {
                call_id: packet.call_id,
            });
        };
        let Some(data) = call.data.as_mut() else {
            return Err(PptpError::CallNotUp);
        };
        if let Some(frame) = data.receive(now, packet)? {
            self.events.push_back(PptpEvent::PppFrame(frame));
        }
        Ok(())
    }

    pub fn send_ppp(&mut self, frame: &[u8]) -> Result<(), PptpError> {
        self.call
            .as_mut()
            .and_then(|c| c.data.as_mut())
            .ok_or(PptpError::CallNotUp)?
            .send(frame)
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        if let Some(d) = self.call.as_mut().and_then(|c| c.data.as_mut()) {
            d.handle_timeout(now);
        }
        if self.state != State::Established {
            return;
        }
        match self.echo {
            Some((_, give_up)) if now >= give_up => self.down(ControlDownReason::EchoTimeout),
            None if now >= self.last_heard + ECHO_INTERVAL => {
                let identifier = self.next_echo_id;
                self.next_echo_id = self.next_echo_id.wrapping_add(1);
                self.send(&Message::EchoRequest { identifier });
                self.echo = Some((identifier, now + ECHO_TIMEOUT));
            }
            _ => {}
        }
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        let data = self
            .call
            .as_ref()
            .and_then(|c| c.data.as_ref())
            .and_then(DataChannel::poll_timeout);
        let echo = match (self.state, self.echo) {
            (State::Established, Some((_, give_up))) => Some(give_up),
            (State::Established, None) => Some(self.last_heard + ECHO_INTERVAL),
            _ => None,
        };
        [data, echo].into_iter().flatten().min()
    }

    /// Bytes for the TCP connection.
    #[must_use]
    pub fn poll_stream(&mut self) -> Option<Vec<u8>> {
        self.tx.pop_front()
    }

    /// A GRE packet (the IP payload, protocol 47) for the peer.
    #[must_use]
    pub fn poll_gre(&mut self) -> Option<Vec<u8>> {
        self.call.as_mut()?.data.as_mut()?.poll_packet()
    }

    #[must_use]
    pub fn poll_event(&mut self) -> Option<PptpEvent> {
        self.events.pop_front()
    }

    #[cfg(test)]
    pub(super) fn start_control_for_tests(&self) -> StartControl {
        self.start_control(0)
    }
}
