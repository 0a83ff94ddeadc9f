//! `GET /api/events?petitions=a,b`: the live count, as server-sent events.
//!
//! One connection carries every petition a page shows, so a page with three
//! widgets opens one stream, not three. Each petition's current state is sent
//! first, then a `count` event whenever a new signature is counted.

use std::{
    collections::HashMap,
    convert::Infallible,
    future::ready,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::{Query, State},
    http::{Method, StatusCode},
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
};
use futures_util::{stream, Stream, StreamExt};
use petition_core::{ApiError, CountUpdate};
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;

use super::{ApiRoute, AppState, Error, Source};
use crate::store;

/// More would be a page with an implausible number of petitions.
const MAX_PETITIONS: usize = 20;

/// When the server stops, it tells each stream's browser to reconnect after
/// this long, plus up to as long again at random: soon, to another instance
/// behind the proxy, but not every page in the same millisecond.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The streams open per source, shared by every request.
#[derive(Clone, Default)]
pub struct OpenStreams(Arc<Mutex<HashMap<String, usize>>>);

/// One open stream, counted until it is dropped (the client went, or the
/// server is stopping).
struct Slot {
    open: OpenStreams,
    source: String,
}

impl OpenStreams {
    /// A slot for a stream from `source`, unless it holds `limit` already
    /// (`--source-streams`: each page holds one, so that is an office with
    /// many tabs open; beyond it, someone is holding connections to wear the
    /// server down).
    fn take(&self, source: &str, limit: usize) -> Option<Slot> {
        let mut open = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(source.to_owned()).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Slot { open: self.clone(), source: source.to_owned() })
    }

    /// For the metrics: the streams open, and the most that one source holds.
    pub fn counts(&self) -> (usize, usize) {
        let open = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (open.values().sum(), open.values().copied().max().unwrap_or(0))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.source) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.source);
            }
        }
    }
}

/// Where the stream is.
pub const PATH: &str = "/api/events";

pub fn routes() -> Vec<ApiRoute> {
    vec![ApiRoute { path: PATH, method: Method::GET, handler: get(events) }]
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Petitions {
    /// Comma-separated petition names, 1 to 20, e.g. `stop-sharing,scrap-upfront-charging`.
    #[serde(default)]
    petitions: String,
}

/// Live counts, as server-sent events: one `count` event per named petition
/// at once, then one per newly counted signature, each a [`CountUpdate`]
/// (`slug`, `signature_count`, `goal`, `milestones`). The stream stays open.
#[utoipa::path(
    get,
    path = "/api/events",
    tag = "petitions",
    params(Petitions),
    responses(
        (status = 200, description = "A stream of `count` events, each a CountUpdate", content_type = "text/event-stream", body = String),
        (status = 400, description = "No petition named, or more than 20", body = ApiError),
        (status = 429, description = "This source holds too many streams open already", body = ApiError,
         headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
pub(super) async fn events(
    State(state): State<AppState>,
    Source(source): Source,
    Query(query): Query<Petitions>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Error> {
    // A stream is held, not answered: a minute's wait is a fair answer.
    let slot = state.streams.take(&source, state.guard.streams_per_source()).ok_or(Error::TooMany(Duration::from_secs(60)))?;
    let mut slugs: Vec<String> = query.petitions.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    slugs.dedup();
    if slugs.is_empty() || slugs.len() > MAX_PETITIONS {
        return Err(Error::Body(
            StatusCode::BAD_REQUEST,
            format!("Name 1 to {MAX_PETITIONS} petitions, like /api/events?petitions=stop-sharing"),
        ));
    }
    // Subscribe before reading the current state, so a signature counted in
    // between is sent rather than missed (at worst it is sent twice).
    let updates = BroadcastStream::new(state.updates.subscribe());
    let mut current = Vec::with_capacity(slugs.len());
    for slug in &slugs {
        match store::count_update(&state.db, slug).await {
            Ok(update) => current.push(update),
            Err(store::StoreError::NotFound) => {}
            Err(error) => return Err(error.into()),
        }
    }
    // A receiver that falls behind skips to the newest updates: every update
    // carries the whole state, so nothing is lost by skipping.
    let live = updates.filter_map(move |update| ready(update.ok().filter(|u| slugs.contains(&u.slug))));
    let mut shutdown = state.shutdown.clone();
    let stream = stream::iter(current)
        .chain(live)
        .map(move |update: CountUpdate| {
            // Held as long as the stream is.
            let _open = &slot;
            Ok(Event::default().event("count").json_data(update).unwrap_or_default())
        })
        // Streams never end by themselves; a shutdown ends them so the
        // server's graceful shutdown can finish, with a last word: reconnect
        // soon. EventSource reopens a stream the server ended, after its
        // `retry` time (browsers default to a few seconds).
        .take_until(async move {
            shutdown.changed().await.ok();
        })
        .chain(stream::once(async { Ok(Event::default().retry(reconnect_after())) }));
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// [`RECONNECT_AFTER`] with its jitter.
fn reconnect_after() -> Duration {
    let mut random = [0u8; 2];
    // Without randomness every page waits the same: still correct.
    getrandom::getrandom(&mut random).ok();
    let fraction = f64::from(u16::from_le_bytes(random)) / f64::from(u16::MAX);
    RECONNECT_AFTER.mul_f64(1.0 + fraction)
}
