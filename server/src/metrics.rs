//! What an operator watches, for Prometheus: what became of signatures, how
//! long requests take by route, and, read when scraped, the open event
//! streams, the outbox's backlog and the database connections in use.
//!
//! Served on their own address (`--metrics-listen`), never on the public one.
//! No label ever holds personal data, a token, a source hash or a raw path:
//! routes are axum's templates (`/confirm/{token}`), and every other label
//! comes from a short fixed list. The numbers are this instance's own;
//! Prometheus adds up several instances.

use std::time::Duration;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::{guard::Flag, store::StoreError};

/// Upper bounds of the latency buckets, in seconds: a petition read takes a
/// millisecond or two, a signing waits for the disk, and 30 s is the default
/// request timeout.
const LATENCY_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Why a signing request was refused, as the `reason` label says it; listed
/// so that each starts at 0 (a rate needs a first sample).
pub const REFUSALS: [&str; 9] = [
    "unreadable",
    "too-many",
    "invalid",
    "challenge-invalid",
    "challenge-expired",
    "challenge-wrong-proof",
    "challenge-spent",
    "closed",
    "not-found",
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Via {
    via: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    route: String,
    method: &'static str,
    status: &'static str,
}

/// The instance's instruments. Recording is a few atomic operations, so it
/// happens whether or not anyone scrapes.
pub struct Metrics {
    registry: Registry,
    counted: Family<Via, Counter>,
    held: Family<Reason, Counter>,
    refused: Family<Reason, Counter>,
    unchanged: Counter,
    latency: Family<Request, Histogram, fn() -> Histogram>,
    in_flight: Family<Route, Gauge>,
    streams_open: Gauge,
    streams_busiest_source: Gauge,
    outbox_waiting: Gauge,
    outbox_given_up: Gauge,
    outbox_oldest_seconds: Gauge,
    db_in_use: Gauge,
    db_max: Gauge,
}

/// The values read when scraped, rather than kept as they change.
pub struct Snapshot {
    /// Live-count streams open now.
    pub streams_open: usize,
    /// The most streams any one source holds open.
    pub streams_busiest_source: usize,
    /// Mail not sent yet that will be tried again.
    pub outbox_waiting: i64,
    /// Mail given up on after every attempt failed.
    pub outbox_given_up: i64,
    /// How long the oldest mail still waiting has waited, in seconds.
    pub outbox_oldest_seconds: i64,
    /// Database connections lent out now.
    pub db_in_use: u32,
    /// The most the pool will open.
    pub db_max: u32,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric registered, each labelled series that is known in
    /// advance at 0.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let counted = Family::<Via, Counter>::default();
        registry.register(
            "petition_signatures_counted",
            "Signatures that joined the count: at signing, or (on petitions that ask for it) at email confirmation",
            counted.clone(),
        );
        for via in ["signing", "confirmation"] {
            let _ = counted.get_or_create(&Via { via });
        }
        let held = Family::<Reason, Counter>::default();
        registry.register(
            "petition_signatures_held",
            "Signatures stored for review instead of counted, by the guard's reason (honeypot, too-fast, burst)",
            held.clone(),
        );
        for flag in [Flag::Honeypot, Flag::TooFast, Flag::Burst] {
            let _ = held.get_or_create(&Reason { reason: flag.code() });
        }
        let refused = Family::<Reason, Counter>::default();
        registry.register(
            "petition_signatures_refused",
            "Signing requests answered with an error, by reason; nothing was stored",
            refused.clone(),
        );
        for reason in REFUSALS {
            let _ = refused.get_or_create(&Reason { reason });
        }
        let unchanged = Counter::default();
        registry.register(
            "petition_signatures_pending_or_repeat",
            "Signing requests answered like any other that counted nothing new: waiting for their email confirmation, or a repeat of an address that has signed",
            unchanged.clone(),
        );
        let latency: Family<Request, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "petition_http_request_duration_seconds",
            "Time from a request's arrival to its answer's head, by route template, method and status class (for the event stream: the time to open it)",
            latency.clone(),
        );
        let in_flight = Family::<Route, Gauge>::default();
        registry.register("petition_http_requests_in_flight", "Requests being handled now, until their answer's head is sent (an event stream's too; its body is counted as open streams), by route template", in_flight.clone());
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let gauge = Gauge::default();
            registry.register(name, help, gauge.clone());
            gauge
        };
        Metrics {
            streams_open: gauge(&mut registry, "petition_event_streams_open", "Live-count event streams open now"),
            streams_busiest_source: gauge(
                &mut registry,
                "petition_event_streams_busiest_source",
                "The most live-count streams one source holds open (refused above --source-streams)",
            ),
            outbox_waiting: gauge(&mut registry, "petition_outbox_waiting", "Mails not yet sent that will be tried (again)"),
            outbox_given_up: gauge(&mut registry, "petition_outbox_given_up", "Mails given up on after every attempt failed"),
            outbox_oldest_seconds: gauge(
                &mut registry,
                "petition_outbox_oldest_waiting_seconds",
                "How long the oldest mail still waiting has waited (0 when none waits)",
            ),
            db_in_use: gauge(&mut registry, "petition_db_connections_in_use", "Database connections lent out now"),
            db_max: gauge(&mut registry, "petition_db_connections_max", "The most database connections the pool opens"),
            registry,
            counted,
            held,
            refused,
            unchanged,
            latency,
            in_flight,
        }
    }

    /// A signing request was answered 200: `flag` as the guard judged it,
    /// `counted` if it joined the count.
    pub fn signed(&self, flag: Option<Flag>, counted: bool) {
        match (flag, counted) {
            (Some(flag), _) => self.held.get_or_create(&Reason { reason: flag.code() }).inc(),
            (None, true) => self.counted.get_or_create(&Via { via: "signing" }).inc(),
            (None, false) => self.unchanged.inc(),
        };
    }

    /// A pending signature was confirmed, and so counted.
    pub fn confirmed(&self) {
        self.counted.get_or_create(&Via { via: "confirmation" }).inc();
    }

    /// A signing request was refused for `reason` (one of [`REFUSALS`]);
    /// hands `error` back, for `map_err`.
    pub fn refused<E>(&self, reason: &'static str, error: E) -> E {
        self.refused.get_or_create(&Reason { reason }).inc();
        error
    }

    /// Records the store's refusals of a signature (a spent challenge, a
    /// closed or unknown petition); a failure of the database itself is no
    /// refusal, and shows as a 5xx in the latency by route.
    pub fn store_refused(&self, error: &StoreError) {
        let reason = match error {
            StoreError::Spent => "challenge-spent",
            StoreError::Closed => "closed",
            StoreError::NotFound => "not-found",
            _ => return,
        };
        self.refused(reason, ());
    }

    /// A request on `route` (a template, never the path asked for) began;
    /// counted in flight until the returned guard is dropped.
    pub fn begin(&self, route: &str) -> InFlight {
        let gauge = self.in_flight.get_or_create_owned(&Route { route: route.to_owned() });
        gauge.inc();
        InFlight(gauge)
    }

    /// A request on `route` was answered with `status` after `took`.
    pub fn answered(&self, route: &str, method: &axum::http::Method, status: axum::http::StatusCode, took: Duration) {
        let labels = Request { route: route.to_owned(), method: method_label(method), status: status_class(status) };
        self.latency.get_or_create(&labels).observe(took.as_secs_f64());
    }

    /// Every metric in Prometheus's text format, with `snapshot`'s values.
    pub fn render(&self, snapshot: &Snapshot) -> String {
        let wide = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.streams_open.set(wide(snapshot.streams_open));
        self.streams_busiest_source.set(wide(snapshot.streams_busiest_source));
        self.outbox_waiting.set(snapshot.outbox_waiting);
        self.outbox_given_up.set(snapshot.outbox_given_up);
        self.outbox_oldest_seconds.set(snapshot.outbox_oldest_seconds);
        self.db_in_use.set(snapshot.db_in_use.into());
        self.db_max.set(snapshot.db_max.into());
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// A request in flight; dropping it (answered, or abandoned by the client)
/// takes it off the gauge.
pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The methods the server answers, by name; anything else is `other`, so a
/// client can't invent label values.
fn method_label(method: &axum::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        _ => "other",
    }
}

fn status_class(status: axum::http::StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_lists() {
        assert_eq!(method_label(&axum::http::Method::POST), "POST");
        assert_eq!(method_label(&axum::http::Method::from_bytes(b"AMARA").unwrap()), "other");
        assert_eq!(status_class(axum::http::StatusCode::UNPROCESSABLE_ENTITY), "4xx");
        assert_eq!(status_class(axum::http::StatusCode::from_u16(599).unwrap()), "5xx");
    }

    #[test]
    fn counters_read_as_prometheus_expects() {
        let metrics = Metrics::new();
        metrics.signed(None, true);
        metrics.signed(Some(Flag::TooFast), false);
        metrics.refused("invalid", ());
        let text = metrics.render(&Snapshot {
            streams_open: 2,
            streams_busiest_source: 1,
            outbox_waiting: 0,
            outbox_given_up: 0,
            outbox_oldest_seconds: 0,
            db_in_use: 1,
            db_max: 8,
        });
        for line in [
            "# TYPE petition_signatures_counted_total counter",
            "petition_signatures_counted_total{via=\"signing\"} 1",
            "petition_signatures_counted_total{via=\"confirmation\"} 0",
            "petition_signatures_held_total{reason=\"too-fast\"} 1",
            "petition_signatures_held_total{reason=\"honeypot\"} 0",
            "petition_signatures_refused_total{reason=\"invalid\"} 1",
            "petition_event_streams_open 2",
            "petition_db_connections_max 8",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} missing from:\n{text}");
        }
    }
}
