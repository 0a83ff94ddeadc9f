//! `/confirm/{token}`: the page a confirmation link opens.
//!
//! Opening the link shows a button; pressing it confirms. Mail scanners that
//! open every link in a message (to check it for malware) therefore can't
//! confirm a signature on someone's behalf.

use axum::{
    extract::{Path, State},
    response::Response,
    routing::get,
    Router,
};

use super::{
    pages::{page, ConfirmAsk, ConfirmDone, ConfirmExpired},
    AppState, Error, Source,
};
use crate::store::{self, Confirmed};

pub fn router() -> Router<AppState> {
    Router::new().route("/confirm/{token}", get(ask).post(confirm))
}

async fn ask(Path(token): Path<String>) -> Response {
    page(ConfirmAsk::new(&token))
}

/// At most the per-source request rate from one source, as signing is:
/// guessing links is slow and cheap to refuse.
async fn confirm(State(state): State<AppState>, Source(source): Source, Path(token): Path<String>) -> Result<Response, Error> {
    state.guard.admit("confirm", &source).map_err(Error::TooMany)?;
    Ok(match store::confirm(&state.db, &state.clock, &token).await? {
        Confirmed::Now { title, update } => {
            state.metrics.confirmed();
            state.live.publish(update);
            page(ConfirmDone { title: &title })
        }
        Confirmed::NotPending => page(ConfirmExpired),
    })
}
