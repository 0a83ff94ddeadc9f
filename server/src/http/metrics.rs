//! `GET /metrics` on the metrics address (`--metrics-listen`), and the layer
//! that times every request of the public one. See [`crate::metrics`].

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::AppState;
use crate::{mail::MAX_ATTEMPTS, metrics::Snapshot, store};

/// The metrics address's only route.
pub fn router(state: AppState) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    // The pool first: the outbox's query below borrows a connection itself.
    let db_in_use = state.db.connections_in_use();
    let db_max = state.db.max_connections();
    let (waiting, given_up, oldest) = match store::outbox_backlog(&state.db, MAX_ATTEMPTS).await {
        Ok(backlog) => backlog,
        Err(error) => {
            // A scrape that fails shows as a gap (and `up` stays 1 only when
            // it works): better than numbers that look calm.
            tracing::error!(%error, "the outbox could not be read for the metrics");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let (streams_open, streams_busiest_source) = state.streams.counts();
    let snapshot = Snapshot {
        streams_open,
        streams_busiest_source,
        outbox_waiting: waiting,
        outbox_given_up: given_up,
        outbox_oldest_seconds: oldest.map_or(0, |queued| (state.clock.unix_seconds() - queued).max(0)),
        db_in_use,
        db_max,
    };
    let text = state.metrics.render(&snapshot);
    ([(header::CONTENT_TYPE, prometheus_client::encoding::prometheus_text::CONTENT_TYPE)], text).into_response()
}

/// Times a request by the route it matched: the template (`/confirm/{token}`),
/// never the path asked for, which may hold a token; `unmatched` for none.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        // axum gives a nested service (the widget's files) no template.
        None if request.uri().path().strip_prefix(super::assets::WIDGET).is_some_and(|rest| rest.starts_with('/')) => {
            format!("{}/{{*file}}", super::assets::WIDGET)
        }
        None => "unmatched".to_owned(),
    };
    let method = request.method().clone();
    let started = Instant::now();
    let _in_flight = state.metrics.begin(&route);
    let response = next.run(request).await;
    state.metrics.answered(&route, &method, response.status(), started.elapsed());
    response
}
