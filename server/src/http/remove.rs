//! `/remove`: a signer takes their signature back.
//!
//! `/remove` asks for an address and mails each signature made with it a
//! link; the answer is the same whether or not the address signed, so the
//! page can't be used to find out who did. `/remove/{token}` (that link, or
//! the one in a confirmation mail) shows a button; pressing it erases the
//! signature's personal data and takes it off the count.

use axum::{
    extract::{Path, RawQuery, State},
    http::HeaderMap,
    response::Response,
    routing::get,
    Form, Router,
};
use serde::Deserialize;

use super::{
    pages::{lang_query, link_page_language, page, page_language, title_for, RemoveAddress, RemoveAsk, RemoveDone, RemoveExpired, RemoveSent},
    AppState, Error, Source,
};
use crate::store::{self, Removed};

pub fn router() -> Router<AppState> {
    Router::new().route("/remove", get(ask_address).post(send_link)).route("/remove/{token}", get(ask).post(remove))
}

async fn ask_address(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let t = page_language(query.as_deref(), &headers);
    page(RemoveAddress { t, typed: "", error: None, query: lang_query(t) })
}

#[derive(Deserialize)]
struct Address {
    #[serde(default)]
    email: String,
}

/// The link is mailed in the language of the page it was asked on.
async fn send_link(
    State(state): State<AppState>,
    Source(source): Source,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    Form(Address { email }): Form<Address>,
) -> Result<Response, Error> {
    state.guard.admit("remove", &source).map_err(Error::TooMany)?;
    let t = page_language(query.as_deref(), &headers);
    let email = match petition_core::fields::email(&email) {
        Ok(email) => email,
        // The field is named, and what was typed is kept.
        Err(error) => {
            let words = t.field_error(&error);
            return Ok(page(RemoveAddress { t, typed: &email, error: Some(&words), query: lang_query(t) }));
        }
    };
    store::request_removal(&state.db, &state.clock, &email, t.code).await?;
    state.mail_wake.notify_one();
    Ok(page(RemoveSent { t, email: &email }))
}

async fn ask(State(state): State<AppState>, Path(token): Path<String>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let t = link_page_language(&state, query.as_deref(), &headers, false, &token).await;
    page(RemoveAsk::new(t, &token))
}

/// At most the per-source request rate from one source, as signing is.
async fn remove(
    State(state): State<AppState>,
    Source(source): Source,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Error> {
    state.guard.admit("remove", &source).map_err(Error::TooMany)?;
    // Asked before removing: the signature and its language go with it.
    let t = link_page_language(&state, query.as_deref(), &headers, false, &token).await;
    Ok(match store::remove(&state.db, &state.clock, &token).await? {
        Removed::Now { petition, update } => {
            state.live.publish(update);
            let (title, title_lang) = title_for(&petition, t);
            page(RemoveDone { t, title: &title, title_lang: title_lang.as_deref() })
        }
        Removed::NotFound => page(RemoveExpired { t, query: lang_query(t) }),
    })
}
