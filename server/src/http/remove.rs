//! `/remove`: a signer takes their signature back.
//!
//! `/remove` asks for an address and mails each signature made with it a
//! link; the answer is the same whether or not the address signed, so the
//! page can't be used to find out who did. `/remove/{token}` (that link, or
//! the one in a confirmation mail) shows a button; pressing it erases the
//! signature's personal data and takes it off the count.

use axum::{
    extract::{Path, State},
    response::Response,
    routing::get,
    Form, Router,
};
use serde::Deserialize;

use super::{
    pages::{page, RemoveAddress, RemoveAsk, RemoveDone, RemoveExpired, RemoveSent},
    AppState, Error, Source,
};
use crate::store::{self, Removed};

pub fn router() -> Router<AppState> {
    Router::new().route("/remove", get(ask_address).post(send_link)).route("/remove/{token}", get(ask).post(remove))
}

async fn ask_address() -> Response {
    page(RemoveAddress { typed: "", error: None })
}

#[derive(Deserialize)]
struct Address {
    #[serde(default)]
    email: String,
}

async fn send_link(
    State(state): State<AppState>,
    Source(source): Source,
    Form(Address { email }): Form<Address>,
) -> Result<Response, Error> {
    state.guard.admit("remove", &source).map_err(Error::TooMany)?;
    let email = match petition_core::fields::email(&email) {
        Ok(email) => email,
        // The field is named, and what was typed is kept.
        Err(error) => return Ok(page(RemoveAddress { typed: &email, error: Some(&error.message) })),
    };
    store::request_removal(&state.db, &state.clock, &email).await?;
    state.mail_wake.notify_one();
    Ok(page(RemoveSent { email: &email }))
}

async fn ask(Path(token): Path<String>) -> Response {
    page(RemoveAsk::new(&token))
}

/// At most the per-source request rate from one source, as signing is.
async fn remove(State(state): State<AppState>, Source(source): Source, Path(token): Path<String>) -> Result<Response, Error> {
    state.guard.admit("remove", &source).map_err(Error::TooMany)?;
    Ok(match store::remove(&state.db, &state.clock, &token).await? {
        Removed::Now { title, update } => {
            state.live.publish(update);
            page(RemoveDone { title: &title })
        }
        Removed::NotFound => page(RemoveExpired),
    })
}
