//! A `tracing` layer that keeps every engine event of a run as a record:
//! the host and simulated time of the `host` span it happened in
//! (`l2tpsec::trace`), its target, level, message and fields, in the order
//! emitted (the network model's canonical order, so the same on every run).

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// One engine event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The host whose turn it was (empty outside any turn).
    pub host: String,
    /// Simulated time, microseconds.
    pub t_us: u64,
    pub target: String,
    pub level: Level,
    pub message: String,
    /// Fields in the order the event names them, values as text.
    pub fields: Vec<(String, String)>,
}

impl Record {
    /// The text of field `name`, or "".
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn number(&self, name: &str) -> u64 {
        self.field(name).parse().unwrap_or(0)
    }
}

/// Collects records into a shared list.
#[derive(Clone, Debug, Default)]
pub struct Collector {
    records: Arc<Mutex<Vec<Record>>>,
}

impl Collector {
    /// Everything collected so far, in order.
    pub fn take(&self) -> Vec<Record> {
        self.records
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }
}

/// The `host` span's fields, kept in its extensions.
struct HostFields {
    name: String,
    t_us: u64,
}

#[derive(Default)]
struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .push((field.name().to_string(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
}

impl<S> Layer<S> for Collector
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "host" {
            return;
        }
        let mut f = Fields::default();
        attrs.record(&mut f);
        let get = |k: &str| {
            f.0.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let fields = HostFields {
            name: get("name"),
            t_us: get("t_us").parse().unwrap_or(0),
        };
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let mut message = String::new();
        f.0.retain(|(k, v)| {
            if k == "message" {
                message = v.clone();
                false
            } else {
                true
            }
        });
        let (host, t_us) = ctx
            .event_scope(event)
            .and_then(|scope| {
                scope
                    .from_root()
                    .filter_map(|span| {
                        span.extensions()
                            .get::<HostFields>()
                            .map(|h| (h.name.clone(), h.t_us))
                    })
                    .last()
            })
            .unwrap_or_default();
        let record = Record {
            host,
            t_us,
            target: event.metadata().target().to_string(),
            level: *event.metadata().level(),
            message,
            fields: f.0,
        };
        if let Ok(mut r) = self.records.lock() {
            r.push(record);
        }
    }
}
