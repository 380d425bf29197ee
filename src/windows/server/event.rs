//! One System-log entry of the server's sources (RemoteAccess, IAS).

use core::time::Duration;

use super::super::eventlog::{Arg, Event, EventType, Log};

pub(super) fn system_event(
    now: Duration,
    source: &'static str,
    id: u32,
    kind: EventType,
    args: Vec<Arg>,
) -> Event {
    Event {
        log: Log::System,
        id,
        source,
        kind,
        time: now,
        args,
    }
}
