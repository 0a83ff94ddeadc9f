//! `/remove`: a signer takes their signature back.
//!
//! `/remove` asks for an address and mails each signature made with it a
//! link; the answer is the same whether or not the address signed, so the
//! page can't be used to find out who did. `/remove/{token}` (that link, or
//! the one in a confirmation mail) shows a button; pressing it erases the
//! signature's personal data and takes it off the count.

use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
    routing::get,
    Form, Router,
};
use serde::Deserialize;

use super::{
    pages::{escape, page, token_from},
    AppState, Error, Source,
};
use crate::store::{self, Removed};

pub fn router() -> Router<AppState> {
    Router::new().route("/remove", get(ask_address).post(send_link)).route("/remove/{token}", get(ask).post(remove))
}

const TITLE: &str = "Remove your signature";

fn address_form(typed: &str, error: Option<&str>) -> String {
    let (invalid, message) = match error {
        Some(error) => (
            " aria-invalid=\"true\" aria-describedby=\"email-error\"",
            format!("<p class=\"error\" id=\"email-error\"><span class=\"visually-hidden\">Error:</span> {}</p>", escape(error)),
        ),
        None => ("", String::new()),
    };
    format!(
        "<p>Enter the email address you signed with. We will email it a link that removes your signature \
         and deletes your details.</p>\
         <form method=\"post\" action=\"/remove\" novalidate>\
         <label for=\"email\">Email address</label>{message}\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" spellcheck=\"false\" \
         value=\"{}\"{invalid}><button type=\"submit\">Email me a link</button></form>",
        escape(typed)
    )
}

async fn ask_address() -> impl IntoResponse {
    page(TITLE, &address_form("", None))
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
        Err(message) => return Ok(page(&format!("Error: {TITLE}"), &address_form(&email, Some(&message))).into_response()),
    };
    store::request_removal(&state.pool, &email).await?;
    state.mail_wake.notify_one();
    Ok(page(
        "Check your inbox",
        &format!(
            "<p>If <strong>{}</strong> has signed a petition here, we have emailed it a link that removes the \
             signature. The link works for 30 days.</p>",
            escape(&email)
        ),
    )
    .into_response())
}

async fn ask(Path(token): Path<String>) -> impl IntoResponse {
    let token = token_from(&token);
    page(
        TITLE,
        &format!(
            "<p>Press the button to remove your signature from the petition and delete your name, email \
             address, postcode and reason. This can't be undone.</p>\
             <form method=\"post\" action=\"/remove/{token}\"><button type=\"submit\">Remove my signature</button></form>"
        ),
    )
}

async fn remove(State(state): State<AppState>, Path(token): Path<String>) -> Result<impl IntoResponse, Error> {
    Ok(match store::remove(&state.pool, &token).await? {
        Removed::Now { title, update } => {
            state.updates.send(update).ok();
            page(
                "Your signature has been removed",
                &format!(
                    "<p>Your signature is no longer on <strong>{}</strong>, and your details are deleted.</p>",
                    escape(&title)
                ),
            )
        }
        Removed::NotFound => page(
            "This link has already been used or has expired",
            "<p>If you removed your signature before, it is gone. Otherwise <a href=\"/remove\">ask for a new link</a>.</p>",
        ),
    })
}
