//! The list of petitions (`/admin/`), and the stream that keeps it and every
//! other dashboard page live (`/admin/events`).

use std::{convert::Infallible, future::ready, time::Duration};

use askama::Template;
use axum::{
    extract::State,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    routing::get,
    Router,
};
use futures_util::{stream, Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::{
    pages::{self, Nav},
    words::{grouped, time_words},
    Signed,
};
use crate::{http::AppState, store};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/", get(list))
        .route("/admin/overview.json", get(overview_json))
}

/// The live stream: held open, so outside the request timeout.
pub fn stream_routes() -> Router<AppState> {
    Router::new().route("/admin/events", get(events))
}

#[derive(Template)]
#[template(path = "admin/petitions.html")]
struct List {
    nav: Option<Nav>,
    petitions: Vec<Row>,
}

/// A petition in the list: its figures, and the same in words, which the
/// page shows and its script puts in place as they change.
#[derive(serde::Serialize)]
struct Row {
    #[serde(flatten)]
    figures: store::Overview,
    words: RowWords,
}

#[derive(serde::Serialize)]
struct RowWords {
    signature_count: String,
    today: String,
    goal: String,
    last_signature: String,
    open: &'static str,
}

impl From<store::Overview> for Row {
    fn from(figures: store::Overview) -> Row {
        let words = RowWords {
            signature_count: grouped(figures.signature_count),
            today: grouped(figures.today),
            goal: grouped(figures.goal),
            last_signature: figures.last_signature_at.as_deref().map_or_else(|| "None yet".to_owned(), time_words),
            open: if figures.open { "Open" } else { "Closed" },
        };
        Row { figures, words }
    }
}

/// The petitions this account may see.
async fn visible(state: &AppState, signed: &Signed) -> Result<Vec<Row>, store::StoreError> {
    let all = store::overview(&state.db, &state.clock).await?;
    Ok(all.into_iter().filter(|p| signed.may_see(p.partners.iter().map(String::as_str))).map(Row::from).collect())
}

async fn list(State(state): State<AppState>, signed: Signed) -> Response {
    match visible(&state, &signed).await {
        Ok(petitions) => pages::render(&List { nav: Nav::of(&signed.0), petitions }),
        Err(error) => crate::http::Error::from(error).into_response(),
    }
}

/// The list's figures, for the page's script to refresh it in place.
async fn overview_json(State(state): State<AppState>, signed: Signed) -> Response {
    match visible(&state, &signed).await {
        Ok(petitions) => axum::Json(petitions).into_response(),
        Err(error) => crate::http::Error::from(error).into_response(),
    }
}

/// A `changed` event naming a petition (its slug) whenever its count moves,
/// for the petitions this account may see; the page then fetches what it
/// shows. Ends when the server stops, telling the browser to come back.
async fn events(State(state): State<AppState>, signed: Signed) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let updates = BroadcastStream::new(state.updates.subscribe());
    let db = state.db.clone();
    let changed = updates
        .filter_map(|update| ready(update.ok()))
        .filter_map(move |update| {
            let db = db.clone();
            let partner = signed.0.account.partner.clone();
            async move {
                match partner {
                    None => Some(update.slug),
                    // One row by key: this runs for every count change.
                    Some(partner) => {
                        let partners = store::partners_of(&db, &update.slug).await.ok()?;
                        partners.contains(&partner).then_some(update.slug)
                    }
                }
            }
        });
    let mut shutdown = state.shutdown.clone();
    let stream = changed
        .map(|slug| Ok(Event::default().event("changed").data(slug)))
        .take_until(async move {
            shutdown.changed().await.ok();
        })
        .chain(stream::once(async { Ok(Event::default().retry(Duration::from_secs(2))) }));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
