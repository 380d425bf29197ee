//! What RRAS and IAS write to the System log about a call: the lines it
//! ends itself, a connected user's disconnection (20272), and the fields
//! IAS's events share.

use core::time::Duration;

use super::super::call_end::EndReason;
use super::super::carrier::Carrier;
use super::super::eventlog::{Arg, EventType};
use super::call::ServerCall;
use super::event::system_event;
use super::RrasServer;
use crate::ppp::link::DownReason;

impl RrasServer {
    /// What RRAS logs when it ends a line itself.
    pub(super) fn log_down(&mut self, now: Duration, carrier: Carrier, reason: DownReason) {
        let Some(call) = self.calls.get(&carrier) else {
            return;
        };
        let user: Arg = call.user.clone().unwrap_or_default().into();
        let port: Arg = call.port_name().into();
        let events = &self.version.rras_events;
        let (id, args) = match reason {
            // IPCP, the only NCP, failed.
            DownReason::NcpFailed => (events.no_projections, vec![user, port]),
            // NegotiateTime ran out (WINDOWS.md 8).
            DownReason::NegotiationTimeout => (events.auth_timeout, vec![port]),
            _ => return,
        };
        self.remote_access(now, id, EventType::Warning, args);
    }

    /// The insertion strings IAS events 1 and 2 share.
    pub(super) fn ias_common(&self, user: &str, call: &ServerCall) -> Vec<Arg> {
        vec![
            user.into(),
            call.nas.to_string().into(),
            self.name.clone().into(),
            call.peer.to_string().into(),
            call.port_name().into(),
        ]
    }

    pub(super) fn policy_name(&self, index: Option<usize>) -> Arg {
        match index.and_then(|i| self.config.policies.get(i)) {
            Some(p) => match &p.name {
                Some(n) => n.clone().into(),
                None => Arg::catalog("policy.default"),
            },
            None => Arg::catalog("policy.none"),
        }
    }

    /// A call that connected has ended for `reason` (as the server saw
    /// it): RRAS's ROUTERLOG_USER_CONNECTION_DISCONNECTED with the port's
    /// start and end, its byte counts and the reason [MODEL reason texts].
    /// A call that never connected logs nothing here (its failure has
    /// its own event).
    pub(super) fn log_disconnect(&mut self, now: Duration, call: &ServerCall, reason: EndReason) {
        let Some(up_at) = call.up_at else {
            return;
        };
        let wall = |t: Duration| {
            self.epoch_unix
                .saturating_add(i64::try_from(t.as_secs()).unwrap_or(i64::MAX / 2))
        };
        let (start, end) = (wall(up_at), wall(now));
        // From the two times it prints, so the three agree.
        let active = end.saturating_sub(start);
        // The user who asked to end it is at the other end: the client's
        // hang-up (LCP Terminate, CDN, Call-Clear) reads "user request".
        let why = match reason {
            EndReason::Peer | EndReason::User => "disconnect.user-request",
            _ => "disconnect.link-failure",
        };
        let args = vec![
            call.user.clone().unwrap_or_default().into(),
            call.port_name().into(),
            Arg::Date(start),
            Arg::TimeOfDay(start),
            Arg::Date(end),
            Arg::TimeOfDay(end),
            (active / 60).to_string().into(),
            (active % 60).to_string().into(),
            call.traffic.sent.to_string().into(),
            call.traffic.received.to_string().into(),
            Arg::catalog(why),
            call.device().into(),
        ];
        let id = self.version.rras_events.user_disconnected;
        self.remote_access(now, id, EventType::Information, args);
    }

    /// An entry of RRAS's own source in the System log.
    pub(super) fn remote_access(
        &mut self,
        now: Duration,
        id: u32,
        kind: EventType,
        args: Vec<Arg>,
    ) {
        self.log(system_event(now, "RemoteAccess", id, kind, args));
    }
}
