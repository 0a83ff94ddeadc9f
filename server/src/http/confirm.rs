//! `/confirm/{token}`: the page a confirmation link opens.
//!
//! Opening the link shows a button; pressing it confirms. Mail scanners that
//! open every link in a message (to check it for malware) therefore can't
//! confirm a signature on someone's behalf. The pages are in the mail's
//! language (the link's `?lang=`), else the signature's.

use axum::{
    extract::{Path, RawQuery, State},
    http::HeaderMap,
    response::Response,
    routing::get,
    Router,
};

use super::{
    pages::{link_page_language, page, title_for, ConfirmAsk, ConfirmDone, ConfirmExpired},
    AppState, Error, Source,
};
use crate::store::{self, Confirmed};

pub fn router() -> Router<AppState> {
    Router::new().route("/confirm/{token}", get(ask).post(confirm))
}

async fn ask(State(state): State<AppState>, Path(token): Path<String>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let t = link_page_language(&state, query.as_deref(), &headers, true, &token).await;
    page(ConfirmAsk::new(t, &token))
}

/// At most the per-source request rate from one source, as signing is:
/// guessing links is slow and cheap to refuse.
async fn confirm(
    State(state): State<AppState>,
    Source(source): Source,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Error> {
    state.guard.admit("confirm", &source).map_err(Error::TooMany)?;
    // Asked before confirming: the link stops working once it is used.
    let t = link_page_language(&state, query.as_deref(), &headers, true, &token).await;
    Ok(match store::confirm(&state.db, &state.clock, &token).await? {
        Confirmed::Now { petition, update } => {
            state.metrics.confirmed();
            state.live.publish(update);
            let (title, title_lang) = title_for(&petition, t);
            page(ConfirmDone { t, title: &title, title_lang: title_lang.as_deref() })
        }
        Confirmed::NotPending => page(ConfirmExpired { t }),
    })
}
